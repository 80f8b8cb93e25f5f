//! Serial port listing and opening with clear errors. `available_ports()` reads sysfs (no
//! libudev), so USB VID/PID/serial come with the listing; pseudo-terminals are not listed, which
//! is why every place that takes a port also takes a manual path.

use crate::error::CardsError;
use serde::Serialize;
use serialport::{SerialPort, SerialPortType};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One port the system knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortInfo {
    pub path: String,
    /// `usb`, `pci`, `bluetooth` or `unknown`.
    pub kind: &'static str,
    pub vid: Option<u16>,
    pub pid: Option<u16>,
    pub serial_number: Option<String>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
}

/// Lists serial ports with their USB identity where known.
pub fn list_ports() -> Result<Vec<PortInfo>, CardsError> {
    // serialport panics if /sys/class/tty is missing (containers without sysfs): report instead.
    if cfg!(target_os = "linux") && !std::path::Path::new("/sys/class/tty").exists() {
        return Ok(Vec::new());
    }
    let ports = serialport::available_ports()
        .map_err(|e| CardsError::PortOpen { path: "(listing)".into(), detail: e.to_string() })?;
    Ok(ports
        .into_iter()
        .map(|p| {
            let mut info = PortInfo {
                path: p.port_name,
                kind: "unknown",
                vid: None,
                pid: None,
                serial_number: None,
                manufacturer: None,
                product: None,
            };
            match p.port_type {
                SerialPortType::UsbPort(u) => {
                    info.kind = "usb";
                    info.vid = Some(u.vid);
                    info.pid = Some(u.pid);
                    info.serial_number = u.serial_number;
                    info.manufacturer = u.manufacturer;
                    info.product = u.product;
                }
                SerialPortType::PciPort => info.kind = "pci",
                SerialPortType::BluetoothPort => info.kind = "bluetooth",
                SerialPortType::Unknown => {}
            }
            info
        })
        .collect())
}

/// How a supervisor finds its device again after an unplug: a fixed path, a USB identity
/// (the device may come back as another ttyUSBn), or a shared slot someone else keeps current
/// (simulators publish their new pseudo-terminal path there).
#[derive(Debug, Clone)]
pub enum PortLocator {
    Path(String),
    Usb { vid: u16, pid: u16, serial_number: Option<String> },
    Slot(Arc<Mutex<Option<String>>>),
}

impl PortLocator {
    /// The path to try now, if the device is present.
    pub fn locate(&self) -> Option<String> {
        match self {
            Self::Path(p) => Some(p.clone()),
            Self::Usb { .. } => self.find_in(&list_ports().ok()?),
            Self::Slot(s) => s.lock().ok()?.clone(),
        }
    }

    /// The port among `ports` this locator means: for a USB identity the first port with that
    /// VID/PID (and serial number, when given), wherever it enumerated this time.
    pub fn find_in(&self, ports: &[PortInfo]) -> Option<String> {
        match self {
            Self::Usb { vid, pid, serial_number } => ports
                .iter()
                .find(|p| {
                    p.vid == Some(*vid)
                        && p.pid == Some(*pid)
                        && (serial_number.is_none() || p.serial_number == *serial_number)
                })
                .map(|p| p.path.clone()),
            Self::Path(p) => ports.iter().find(|x| x.path == *p).map(|x| x.path.clone()),
            Self::Slot(_) => self.locate(),
        }
    }

    /// Human-readable description for status messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Path(p) => p.clone(),
            Self::Usb { vid, pid, serial_number } => match serial_number {
                Some(s) => format!("usb {vid:04x}:{pid:04x} serial {s}"),
                None => format!("usb {vid:04x}:{pid:04x}"),
            },
            Self::Slot(s) => s.lock().ok().and_then(|p| p.clone()).unwrap_or_else(|| "(unplugged)".into()),
        }
    }
}

/// Opens `path` exclusively, 8N1, at `baud` with a read timeout, mapping failures to the errors
/// an officer can act on (missing, busy, permission).
pub fn open(path: &str, baud: u32, timeout: Duration) -> Result<Box<dyn SerialPort>, CardsError> {
    serialport::new(path, baud).timeout(timeout).open().map_err(|e| classify_open_error(path, &e))
}

fn classify_open_error(path: &str, e: &serialport::Error) -> CardsError {
    use serialport::ErrorKind;
    let path = path.to_string();
    match e.kind() {
        ErrorKind::NoDevice if std::path::Path::new(&path).exists() => CardsError::PortBusy { path },
        ErrorKind::NoDevice => CardsError::PortNotFound { path },
        ErrorKind::Io(std::io::ErrorKind::NotFound) => CardsError::PortNotFound { path },
        ErrorKind::Io(std::io::ErrorKind::PermissionDenied) => CardsError::PortPermission { path },
        _ => CardsError::PortOpen { path, detail: e.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usb(path: &str, vid: u16, pid: u16, serial: Option<&str>) -> PortInfo {
        PortInfo {
            path: path.into(),
            kind: "usb",
            vid: Some(vid),
            pid: Some(pid),
            serial_number: serial.map(Into::into),
            manufacturer: None,
            product: None,
        }
    }

    #[test]
    fn usb_locator_follows_the_device_to_a_new_path() {
        // Two CH340 readers (1a86:7523) and a CP2102; the reader we want re-enumerated as ttyUSB2.
        let ports = vec![
            usb("/dev/ttyUSB0", 0x1a86, 0x7523, Some("A1")),
            usb("/dev/ttyUSB1", 0x10c4, 0xea60, None),
            usb("/dev/ttyUSB2", 0x1a86, 0x7523, Some("B7")),
        ];
        let by_serial = PortLocator::Usb { vid: 0x1a86, pid: 0x7523, serial_number: Some("B7".into()) };
        assert_eq!(by_serial.find_in(&ports).as_deref(), Some("/dev/ttyUSB2"));
        let any = PortLocator::Usb { vid: 0x10c4, pid: 0xea60, serial_number: None };
        assert_eq!(any.find_in(&ports).as_deref(), Some("/dev/ttyUSB1"));
        let gone = PortLocator::Usb { vid: 0x1a86, pid: 0x7523, serial_number: Some("C9".into()) };
        assert_eq!(gone.find_in(&ports), None);
        assert_eq!(by_serial.describe(), "usb 1a86:7523 serial B7");
    }
}
