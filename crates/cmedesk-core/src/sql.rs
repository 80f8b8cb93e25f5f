//! Small helpers shared by the store modules: enums stored as stable English text and shown in
//! Chinese, and the conversion of "no rows" into a domain `NotFound`.

/// Declares a closed set of values stored as snake_case text, serialised the same way, labelled
/// in Chinese for people, and parsed from either form (so the CLI accepts `产假` or `maternity`).
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = ($text:literal, $zh:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ts_rs::TS)]
        #[serde(rename_all = "snake_case")]
        #[ts(export)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == s || v.label_zh() == s)
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                $name::parse(s).ok_or_else(|| rusqlite::types::FromSqlError::Other(
                    format!("unknown {} {s:?}", stringify!($name)).into()))
            }
        }
    };
}
pub(crate) use text_enum;

impl rusqlite::types::ToSql for crate::id_number::Gender {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl rusqlite::types::FromSql for crate::id_number::Gender {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        crate::id_number::Gender::parse(v.as_str()?)
            .ok_or_else(|| rusqlite::types::FromSqlError::Other("unknown gender".into()))
    }
}

/// Trims optional text and turns empty strings into `None`.
pub(crate) fn clean(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Checks a required text field and returns it trimmed.
pub(crate) fn required(
    value: &str,
    field: &'static str,
    label_zh: &'static str,
) -> crate::Result<String> {
    let v = value.trim();
    if v.is_empty() {
        Err(crate::CoreError::Required { field, label_zh })
    } else {
        Ok(v.to_string())
    }
}

/// Refuses text longer than `max` characters.
pub(crate) fn max_chars(
    value: &str,
    max: usize,
    field: &'static str,
    label_zh: &'static str,
) -> crate::Result<()> {
    let n = value.chars().count();
    if n > max {
        Err(crate::CoreError::invalid(
            field,
            "TOO_LONG",
            format!("{label_zh}不能超过{max}个字（当前{n}个）"),
            format!("{field} must be at most {max} characters (got {n})"),
        ))
    } else {
        Ok(())
    }
}
