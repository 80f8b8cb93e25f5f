//! Batch printing of booklets: one person, a department or the whole hospital, as one PDF per
//! person (`科室_姓名_年度.pdf` in a folder) or as combined PDFs of bounded size.
//!
//! Memory stays bounded whatever the batch size: models are pulled one at a time (or one
//! combined file's worth) from the caller's iterator, each worker thread keeps one
//! [`Printer`], and a document's pages are dropped once its file is written. All cores are
//! used (one worker per core by default). Files are written as `*.part` and renamed when
//! complete, so a cancelled or crashed batch never leaves a truncated PDF behind.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use cmedesk_core::booklet::BookletModel;

use crate::error::PrintError;
use crate::fonts::FontSet;
use crate::printer::Printer;

/// How a batch is split into files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchMode {
    /// One PDF per person, named `科室_姓名_年度.pdf`.
    PerPerson,
    /// Several booklets per PDF, at most this many per file (bounds memory and file size).
    Combined {
        /// Booklets per file (at least 1).
        max_booklets_per_file: usize,
    },
}

/// Where and how to print.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Output folder (created if missing).
    pub out_dir: PathBuf,
    /// File split.
    pub mode: BatchMode,
    /// Worker threads; 0 means one per available core.
    pub threads: usize,
    /// In combined files, pad each booklet with a blank page to an even page count, so that
    /// printed duplex every booklet starts on a fresh sheet and can be separated.
    pub pad_to_even: bool,
}

/// Progress after each booklet (sent to the UI as an event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export, rename = "BookletBatchProgress")]
pub struct BatchProgress {
    /// Booklets finished (written or failed).
    pub done: usize,
    /// Total when the caller knows it.
    pub total: Option<usize>,
    /// Of `done`, how many failed.
    pub failed: usize,
}

/// A booklet that could not be printed; the batch goes on without it.
#[derive(Debug)]
pub struct BatchFailure {
    /// 科室.
    pub department: String,
    /// 姓名.
    pub name: String,
    /// Why (a missing character names itself here).
    pub error: PrintError,
}

/// What a batch did.
#[derive(Debug, Default)]
pub struct BatchReport {
    /// Files written, in input order.
    pub files: Vec<PathBuf>,
    /// Booklets written.
    pub booklets: usize,
    /// Booklets that failed.
    pub failures: Vec<BatchFailure>,
    /// Whether the cancel flag stopped the batch early.
    pub cancelled: bool,
}

struct Job {
    seq: usize,
    file: PathBuf,
    models: Vec<BookletModel>,
}

struct Source<I> {
    models: I,
    seq: usize,
    used_names: HashMap<String, usize>,
}

impl<I: Iterator<Item = BookletModel>> Source<I> {
    /// Takes the next job and picks its file name (here, in input order, so names are
    /// deterministic: a second 心内科_张伟_2025.pdf becomes 心内科_张伟_2025(2).pdf).
    fn next_job(&mut self, mode: BatchMode, dir: &Path) -> Option<Job> {
        let take = match mode {
            BatchMode::PerPerson => 1,
            BatchMode::Combined { max_booklets_per_file } => max_booklets_per_file.max(1),
        };
        let models: Vec<BookletModel> = self.models.by_ref().take(take).collect();
        if models.is_empty() {
            return None;
        }
        self.seq += 1;
        let name = match mode {
            BatchMode::PerPerson => {
                let base = models[0].file_name();
                let n = self.used_names.entry(base.clone()).or_insert(0);
                *n += 1;
                if *n == 1 { base } else { format!("{}({}).pdf", base.trim_end_matches(".pdf"), n) }
            }
            BatchMode::Combined { .. } => {
                format!("学分登记手册_{}_{:04}.pdf", models[0].header.year, self.seq)
            }
        };
        Some(Job { seq: self.seq, file: dir.join(name), models })
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), PrintError> {
    let io = |source| PrintError::Io { path: path.to_path_buf(), source };
    let mut part = path.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    std::fs::write(&part, bytes).map_err(io)?;
    std::fs::rename(&part, path).map_err(io)
}

/// Prints every booklet `models` yields. `total` (if known) is passed through to progress.
/// `progress` is called from worker threads after each booklet; setting `cancel` stops the
/// batch after the booklets in progress. Per-booklet failures are collected, not fatal;
/// an unwritable output folder is.
pub fn print_booklets<I>(
    fonts: &FontSet,
    models: I,
    total: Option<usize>,
    options: &BatchOptions,
    progress: &(dyn Fn(BatchProgress) + Sync),
    cancel: &AtomicBool,
) -> Result<BatchReport, PrintError>
where
    I: Iterator<Item = BookletModel> + Send,
{
    std::fs::create_dir_all(&options.out_dir)
        .map_err(|source| PrintError::Io { path: options.out_dir.clone(), source })?;
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    } else {
        options.threads
    };
    let source = Mutex::new(Source { models, seq: 0, used_names: HashMap::new() });
    let done = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let written: Mutex<Vec<(usize, PathBuf, usize)>> = Mutex::new(Vec::new());
    let failures: Mutex<Vec<BatchFailure>> = Mutex::new(Vec::new());
    let fatal: Mutex<Option<PrintError>> = Mutex::new(None);

    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut printer = Printer::new(fonts.clone());
                loop {
                    if cancel.load(Ordering::Relaxed) {
                        break;
                    }
                    let job = match source.lock() {
                        Ok(mut s) => s.next_job(options.mode, &options.out_dir),
                        Err(_) => None,
                    };
                    let Some(job) = job else { break };
                    let count = job.models.len();
                    let (result, printed) = match options.mode {
                        BatchMode::PerPerson => (printer.booklet_pdf(&job.models[0]), 1),
                        BatchMode::Combined { .. } => {
                            let title = job
                                .file
                                .file_stem()
                                .map(|s| s.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            // One failing person must not sink a whole combined file: print
                            // the others and report that one.
                            let mut pages = Vec::new();
                            let mut printed = 0;
                            for m in &job.models {
                                match printer.booklet_pages(m) {
                                    Ok(p) => {
                                        let odd = p.len() % 2 == 1;
                                        pages.extend(p);
                                        if odd && options.pad_to_even {
                                            pages.push(crate::canvas::Canvas::new().into_page());
                                        }
                                        printed += 1;
                                    }
                                    Err(error) => {
                                        failed.fetch_add(1, Ordering::Relaxed);
                                        if let Ok(mut f) = failures.lock() {
                                            f.push(BatchFailure {
                                                department: m.header.department.clone(),
                                                name: m.header.name.clone(),
                                                error,
                                            });
                                        }
                                    }
                                }
                            }
                            let bytes =
                                if printed == 0 { Vec::new() } else { printer.save_pages(&title, pages) };
                            (Ok(bytes), printed)
                        }
                    };
                    match result {
                        Ok(bytes) if bytes.is_empty() => {}
                        Ok(bytes) => match write_atomically(&job.file, &bytes) {
                            Ok(()) => {
                                if let Ok(mut w) = written.lock() {
                                    w.push((job.seq, job.file.clone(), printed));
                                }
                            }
                            Err(e) => {
                                // The folder is not writable: nothing further can succeed.
                                if let Ok(mut f) = fatal.lock() {
                                    f.get_or_insert(e);
                                }
                                cancel.store(true, Ordering::Relaxed);
                            }
                        },
                        Err(error) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            if let Ok(mut f) = failures.lock() {
                                let m = &job.models[0];
                                f.push(BatchFailure {
                                    department: m.header.department.clone(),
                                    name: m.header.name.clone(),
                                    error,
                                });
                            }
                        }
                    }
                    let d = done.fetch_add(count, Ordering::Relaxed) + count;
                    progress(BatchProgress { done: d, total, failed: failed.load(Ordering::Relaxed) });
                }
            });
        }
    });

    if let Some(e) = fatal.into_inner().ok().flatten() {
        return Err(e);
    }
    let mut written = written.into_inner().unwrap_or_default();
    written.sort_by_key(|(seq, _, _)| *seq);
    let failures = failures.into_inner().unwrap_or_default();
    let booklets = written.iter().map(|(_, _, n)| n).sum::<usize>();
    let remaining = source.into_inner().map(|mut s| s.models.next().is_some()).unwrap_or(false);
    Ok(BatchReport {
        files: written.into_iter().map(|(_, p, _)| p).collect(),
        booklets,
        failures,
        cancelled: cancel.load(Ordering::Relaxed) && remaining,
    })
}

/// [`print_booklets`] fed by a fallible model source that must stay on the calling thread
/// (models read from a database connection, which is not `Sync`). Models go to the printing
/// threads through a short queue, so at most a few are held at once whatever the batch size.
/// The first read error stops the batch (the booklets in progress finish, no partial file)
/// and is returned beside the report.
pub fn print_booklets_from<I, E>(
    fonts: &FontSet,
    models: I,
    total: Option<usize>,
    options: &BatchOptions,
    progress: &(dyn Fn(BatchProgress) + Sync),
    cancel: &AtomicBool,
) -> Result<(BatchReport, Option<E>), PrintError>
where
    I: Iterator<Item = Result<BookletModel, E>>,
{
    let (tx, rx) = std::sync::mpsc::sync_channel::<BookletModel>(8);
    let mut read_error = None;
    // Whether models were left unread: the printing side cannot tell once the queue ran dry.
    let mut left_unread = false;
    let report = std::thread::scope(|s| {
        let printing = s.spawn(|| print_booklets(fonts, rx.into_iter(), total, options, progress, cancel));
        for model in models {
            if cancel.load(Ordering::SeqCst) {
                left_unread = true;
                break;
            }
            match model {
                Ok(m) => {
                    if tx.send(m).is_err() {
                        left_unread = true; // this model was not taken
                        break;
                    }
                }
                Err(e) => {
                    read_error = Some(e);
                    cancel.store(true, Ordering::SeqCst);
                    break;
                }
            }
        }
        drop(tx);
        printing.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    let mut report = report;
    report.cancelled |= left_unread && cancel.load(Ordering::SeqCst);
    Ok((report, read_error))
}
