//! Errors of the card layer: port and device errors (`CardsError`) and stream decoding errors
//! (`DecodeError`, which always names the absolute byte offset in the stream so a capture can be
//! checked by hand). Every variant has a stable SCREAMING_SNAKE `code()` and a Chinese message for
//! the kiosk screen; `Display` is the English message.

use thiserror::Error;

/// An error while talking to a reader or terminal, or while opening its port.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CardsError {
    #[error("serial port {path} does not exist (unplugged, or wrong path)")]
    PortNotFound { path: String },
    #[error(
        "serial port {path} is busy: another program holds it (a second listener, a vendor tool, or \
         brltty grabbing CH340 adapters on Linux)"
    )]
    PortBusy { path: String },
    #[error("no permission to open serial port {path} (add the user to the dialout group)")]
    PortPermission { path: String },
    #[error("cannot open serial port {path}: {detail}")]
    PortOpen { path: String, detail: String },
    #[error("serial I/O failed on {path}: {detail}")]
    Io { path: String, detail: String },
    #[error("device did not answer {what} within {millis} ms")]
    Timeout { what: String, millis: u64 },
    #[error("device protocol error: {detail}")]
    Protocol { detail: String },
    #[error("ID card read failed with status 0x{sw3:02X}")]
    ReadFailed { sw3: u8 },
    #[error("invalid ID number on card: {value}")]
    InvalidIdNumber { value: String },
    #[error("malformed ID card text block: {detail}")]
    BadTextBlock { detail: String },
    #[error("terminal refused the request: error {code} ({message})")]
    Device { code: u8, message: String },
    #[error("terminal holds {device} records up to seq {up_to}, host counted {expected}: not cleared")]
    CountMismatch { up_to: u32, expected: u32, device: u32 },
    #[error("simulator script line {line}: {detail}")]
    Script { line: usize, detail: String },
    #[error("invalid setting {field}: {detail}")]
    Config { field: &'static str, detail: String },
}

impl CardsError {
    /// Stable machine-readable code; the UI maps it to a message and never parses `Display`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::PortNotFound { .. } => "PORT_NOT_FOUND",
            Self::PortBusy { .. } => "PORT_BUSY",
            Self::PortPermission { .. } => "PORT_PERMISSION",
            Self::PortOpen { .. } => "PORT_OPEN_FAILED",
            Self::Io { .. } => "PORT_IO",
            Self::Timeout { .. } => "DEVICE_TIMEOUT",
            Self::Protocol { .. } => "DEVICE_PROTOCOL",
            Self::ReadFailed { .. } => "CARD_READ_FAILED",
            Self::InvalidIdNumber { .. } => "CARD_INVALID_ID_NUMBER",
            Self::BadTextBlock { .. } => "CARD_BAD_TEXT_BLOCK",
            Self::Device { .. } => "TERMINAL_REFUSED",
            Self::CountMismatch { .. } => "TERMINAL_COUNT_MISMATCH",
            Self::Script { .. } => "SIM_SCRIPT",
            Self::Config { .. } => "CARDS_CONFIG",
        }
    }

    /// The offending input field, when the error is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::PortNotFound { .. }
            | Self::PortBusy { .. }
            | Self::PortPermission { .. }
            | Self::PortOpen { .. } => Some("port"),
            Self::Config { field, .. } => Some(field),
            _ => None,
        }
    }

    pub fn message_en(&self) -> String {
        self.to_string()
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::PortNotFound { path } => format!("串口 {path} 不存在（设备未插入或路径错误）"),
            Self::PortBusy { path } => format!(
                "串口 {path} 被占用：可能已有其他程序（另一个签到窗口、厂商工具，或 Linux 上的 brltty）打开了它"
            ),
            Self::PortPermission { path } => {
                format!("没有打开串口 {path} 的权限（请将用户加入 dialout 组）")
            }
            Self::PortOpen { path, detail } => format!("无法打开串口 {path}：{detail}"),
            Self::Io { path, detail } => format!("串口 {path} 读写失败：{detail}"),
            Self::Timeout { what, millis } => format!("设备在 {millis} 毫秒内未响应（{what}）"),
            Self::Protocol { detail } => format!("设备通信协议错误：{detail}"),
            Self::ReadFailed { sw3 } => format!("读卡失败（状态码 0x{sw3:02X}），请重新放卡"),
            Self::InvalidIdNumber { value } => format!("卡内身份证号无效：{value}"),
            Self::BadTextBlock { detail } => format!("身份证信息格式错误：{detail}"),
            Self::Device { code, message } => format!("考勤机拒绝请求：错误 {code}（{message}）"),
            Self::CountMismatch { up_to, expected, device } => format!(
                "考勤机中序号 {up_to} 及以前的记录有 {device} 条，本机已保存 {expected} 条，数量不符，未清除"
            ),
            Self::Script { line, detail } => format!("模拟脚本第 {line} 行：{detail}"),
            Self::Config { field, detail } => format!("设置项 {field} 无效：{detail}"),
        }
    }
}

/// A problem found in a byte stream. `offset` is the absolute position (counted from the first
/// byte ever pushed into the decoder) of the first byte the error is about.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("skipped {len} bytes of garbage at offset {offset}")]
    Garbage { offset: u64, len: usize },
    #[error("bad checksum in frame at offset {offset}: expected 0x{expected:04X}, found 0x{found:04X}")]
    BadChecksum { offset: u64, expected: u16, found: u16 },
    #[error("bad length {len} in frame at offset {offset}")]
    BadLength { offset: u64, len: usize },
    #[error("frame at offset {offset} lacks its end marker")]
    BadTerminator { offset: u64 },
    #[error("invalid character 0x{byte:02X} at offset {offset}")]
    BadDigit { offset: u64, byte: u8 },
    #[error("unsupported protocol version {version} in frame at offset {offset}")]
    BadVersion { offset: u64, version: u8 },
    #[error("line at offset {offset} is {len} bytes long without a terminator")]
    LineTooLong { offset: u64, len: usize },
    #[error("number at offset {offset} does not fit the configured format: {detail}")]
    BadNumber { offset: u64, detail: String },
}

impl DecodeError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Garbage { .. } => "DECODE_GARBAGE",
            Self::BadChecksum { .. } => "DECODE_BAD_CHECKSUM",
            Self::BadLength { .. } => "DECODE_BAD_LENGTH",
            Self::BadTerminator { .. } => "DECODE_BAD_TERMINATOR",
            Self::BadDigit { .. } => "DECODE_BAD_DIGIT",
            Self::BadVersion { .. } => "DECODE_BAD_VERSION",
            Self::LineTooLong { .. } => "DECODE_LINE_TOO_LONG",
            Self::BadNumber { .. } => "DECODE_BAD_NUMBER",
        }
    }

    /// Absolute stream offset the error is about.
    pub fn offset(&self) -> u64 {
        match self {
            Self::Garbage { offset, .. }
            | Self::BadChecksum { offset, .. }
            | Self::BadLength { offset, .. }
            | Self::BadTerminator { offset }
            | Self::BadDigit { offset, .. }
            | Self::BadVersion { offset, .. }
            | Self::LineTooLong { offset, .. }
            | Self::BadNumber { offset, .. } => *offset,
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::Garbage { offset, len } => format!("偏移 {offset} 处跳过 {len} 个无效字节"),
            Self::BadChecksum { offset, .. } => format!("偏移 {offset} 处的数据帧校验错误"),
            Self::BadLength { offset, len } => format!("偏移 {offset} 处的数据帧长度 {len} 无效"),
            Self::BadTerminator { offset } => format!("偏移 {offset} 处的数据帧缺少结束符"),
            Self::BadDigit { offset, byte } => {
                format!("偏移 {offset} 处出现无效字符 0x{byte:02X}")
            }
            Self::BadVersion { offset, version } => {
                format!("偏移 {offset} 处的数据帧协议版本 {version} 不受支持")
            }
            Self::LineTooLong { offset, len } => {
                format!("偏移 {offset} 处的一行长达 {len} 字节仍无结束符")
            }
            Self::BadNumber { offset, detail } => {
                format!("偏移 {offset} 处的卡号格式不符：{detail}")
            }
        }
    }
}

/// Errors travel to the UI as `{code, field, message_zh, message_en}`: the UI maps codes and
/// never parses messages.
impl serde::Serialize for CardsError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("CardsError", 4)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("field", &self.field())?;
        st.serialize_field("message_zh", &self.message_zh())?;
        st.serialize_field("message_en", &self.message_en())?;
        st.end()
    }
}

impl serde::Serialize for DecodeError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("DecodeError", 4)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("offset", &self.offset())?;
        st.serialize_field("message_zh", &self.message_zh())?;
        st.serialize_field("message_en", &self.to_string())?;
        st.end()
    }
}
