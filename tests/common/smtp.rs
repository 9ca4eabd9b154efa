//! A small but real SMTP server for tests, on a loopback port: it speaks enough of RFC 5321
//! (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) for a real client to
//! deliver to it, keeps every message it accepts, and lets a test wait for the next one to an
//! address. Helpers read a message as a person would: decoded headers and body, and the code or
//! token in it.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// The longest wait for a message a test expects; only reached when the test fails.
pub const PATIENCE: Duration = Duration::from_secs(10);
/// The longest command or text line accepted (RFC 5321 allows 1000 with the CRLF).
const MAX_LINE: u64 = 4096;
/// The largest message accepted, in bytes.
const MAX_MESSAGE: usize = 10 * 1024 * 1024;
/// The name the server gives itself.
const NAME: &str = "smtp.rollcall.test";

/// A message the server accepted: its envelope and its data as sent (dot-unstuffed).
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The reverse path of `MAIL FROM`, without the angle brackets (empty for `<>`).
    pub mail_from: String,
    /// The forward paths of the accepted `RCPT TO` commands.
    pub rcpt_to: Vec<String>,
    /// Headers and body, with CRLF line ends, as the client sent them.
    pub data: String,
}

/// What the server has received, and which messages tests have taken.
#[derive(Default)]
struct Inbox {
    messages: Mutex<Vec<(ReceivedMail, bool)>>,
    /// Addresses RCPT TO answers 550 for.
    refused: Mutex<HashSet<String>>,
}

/// A port kept for a server that is not running yet: it is bound but not listening, so a client
/// that tries it is refused at once, as by a mail server that is down.
pub struct Reserved {
    socket: TcpSocket,
    addr: SocketAddr,
}

impl Reserved {
    /// The lettre URL of the future server.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Starts the server on the reserved port.
    pub fn start(self) -> SmtpServer {
        let listener = self
            .socket
            .listen(64)
            .expect("listening on the reserved port");
        SmtpServer::serve(listener)
    }
}

/// The running server. Dropping it stops it and closes its connections.
pub struct SmtpServer {
    addr: SocketAddr,
    inbox: Arc<Inbox>,
    arrivals: watch::Receiver<usize>,
    task: JoinHandle<()>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpServer {
    /// Starts a server on a free loopback port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        Self::serve(listener)
    }

    /// Keeps a loopback port for a server started later with [`Reserved::start`].
    pub fn reserve() -> Reserved {
        let socket = TcpSocket::new_v4().expect("a socket");
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("a loopback port");
        let addr = socket.local_addr().expect("its address");
        Reserved { socket, addr }
    }

    fn serve(listener: TcpListener) -> Self {
        let addr = listener.local_addr().expect("its address");
        let inbox = Arc::new(Inbox::default());
        let (arrived, arrivals) = watch::channel(0);
        let task = tokio::spawn(accept(listener, inbox.clone(), arrived));
        Self {
            addr,
            inbox,
            arrivals,
            task,
        }
    }

    /// The lettre URL of this server (plain SMTP).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Makes RCPT TO answer `550 no such user` for `address`.
    pub fn refuse(&self, address: &str) {
        self.inbox
            .refused
            .lock()
            .expect("inbox")
            .insert(address.to_ascii_lowercase());
    }

    /// Every message received so far, in order.
    pub fn received(&self) -> Vec<ReceivedMail> {
        let messages = self.inbox.messages.lock().expect("inbox");
        messages.iter().map(|(mail, _)| mail.clone()).collect()
    }

    /// The first message to `recipient` not yet returned by this method, waiting for it for at
    /// most [`PATIENCE`]; the test fails without it.
    pub async fn next_to(&self, recipient: &str) -> ReceivedMail {
        self.next_to_within(recipient, PATIENCE)
            .await
            .unwrap_or_else(|| {
                panic!(
                    "no mail to {recipient} within {PATIENCE:?}; received: {:?}",
                    self.received()
                )
            })
    }

    /// Like [`SmtpServer::next_to`], waiting at most `patience`; `None` when nothing came.
    pub async fn next_to_within(
        &self,
        recipient: &str,
        patience: Duration,
    ) -> Option<ReceivedMail> {
        let mut arrivals = self.arrivals.clone();
        let wanted = recipient.to_ascii_lowercase();
        tokio::time::timeout(patience, async {
            loop {
                // Marked seen before looking: a message stored after the look wakes the wait.
                arrivals.borrow_and_update();
                if let Some(mail) = self.take(&wanted) {
                    return mail;
                }
                if arrivals.changed().await.is_err() {
                    // The server is gone; nothing more will come.
                    std::future::pending::<()>().await;
                }
            }
        })
        .await
        .ok()
    }

    fn take(&self, recipient: &str) -> Option<ReceivedMail> {
        let mut messages = self.inbox.messages.lock().expect("inbox");
        messages
            .iter_mut()
            .find(|(mail, taken)| {
                !taken
                    && mail
                        .rcpt_to
                        .iter()
                        .any(|to| to.eq_ignore_ascii_case(recipient))
            })
            .map(|(mail, taken)| {
                *taken = true;
                mail.clone()
            })
    }
}

async fn accept(listener: TcpListener, inbox: Arc<Inbox>, arrived: watch::Sender<usize>) {
    let arrived = Arc::new(arrived);
    // Owned here, so that aborting this task ends every session too.
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                sessions.spawn(session(stream, inbox.clone(), arrived.clone()));
            }
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
}

/// The state of one mail transaction.
#[derive(Default)]
struct Transaction {
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

async fn session(stream: TcpStream, inbox: Arc<Inbox>, arrived: Arc<watch::Sender<usize>>) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    // A client that hangs up mid-way simply ends the session.
    let _ = converse(&mut read, &mut write, &inbox, &arrived).await;
}

async fn converse(
    read: &mut (impl AsyncBufReadExt + AsyncRead + Unpin),
    write: &mut (impl AsyncWrite + Unpin),
    inbox: &Inbox,
    arrived: &watch::Sender<usize>,
) -> std::io::Result<()> {
    reply(write, &format!("220 {NAME} ESMTP ready")).await?;
    let mut greeted = false;
    let mut transaction = Transaction::default();
    loop {
        let Some(line) = read_line(read).await? else {
            return Ok(());
        };
        let Some(line) = line else {
            reply(write, "500 5.5.2 line too long").await?;
            continue;
        };
        let (verb, argument) = match line.split_once(' ') {
            Some((verb, argument)) => (verb.to_ascii_uppercase(), argument.trim()),
            None => (line.to_ascii_uppercase(), ""),
        };
        match verb.as_str() {
            "EHLO" | "HELO" if argument.is_empty() => {
                reply(write, "501 5.5.4 a domain or address is required").await?;
            }
            "EHLO" => {
                greeted = true;
                transaction = Transaction::default();
                let greeting = format!(
                    "250-{NAME} greets {argument}\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n\
                     250-SIZE {MAX_MESSAGE}\r\n250 HELP"
                );
                reply(write, &greeting).await?;
            }
            "HELO" => {
                greeted = true;
                transaction = Transaction::default();
                reply(write, &format!("250 {NAME}")).await?;
            }
            "MAIL" if !greeted => reply(write, "503 5.5.1 send EHLO or HELO first").await?,
            "MAIL" if transaction.mail_from.is_some() => {
                reply(write, "503 5.5.1 nested MAIL command").await?;
            }
            "MAIL" => match path_after(argument, "FROM:") {
                Some(from) => {
                    transaction.mail_from = Some(from);
                    reply(write, "250 2.1.0 sender OK").await?;
                }
                None => reply(write, "501 5.5.4 syntax: MAIL FROM:<address>").await?,
            },
            "RCPT" if transaction.mail_from.is_none() => {
                reply(write, "503 5.5.1 need MAIL before RCPT").await?;
            }
            "RCPT" => match path_after(argument, "TO:") {
                Some(to) if to.is_empty() => {
                    reply(write, "501 5.1.3 a recipient is required").await?;
                }
                Some(to) => {
                    let refused = inbox
                        .refused
                        .lock()
                        .expect("inbox")
                        .contains(&to.to_ascii_lowercase());
                    if refused {
                        reply(write, "550 5.1.1 no such user here").await?;
                    } else {
                        transaction.rcpt_to.push(to);
                        reply(write, "250 2.1.5 recipient OK").await?;
                    }
                }
                None => reply(write, "501 5.5.4 syntax: RCPT TO:<address>").await?,
            },
            "DATA" if !argument.is_empty() => reply(write, "501 5.5.4 no arguments").await?,
            "DATA" if transaction.rcpt_to.is_empty() => {
                reply(write, "503 5.5.1 need RCPT before DATA").await?;
            }
            "DATA" => {
                reply(write, "354 end data with <CR><LF>.<CR><LF>").await?;
                let Some(data) = read_data(read).await? else {
                    reply(write, "552 5.3.4 message too big").await?;
                    transaction = Transaction::default();
                    continue;
                };
                let mail = ReceivedMail {
                    mail_from: transaction.mail_from.take().unwrap_or_default(),
                    rcpt_to: std::mem::take(&mut transaction.rcpt_to),
                    data,
                };
                let number = {
                    let mut messages = inbox.messages.lock().expect("inbox");
                    messages.push((mail, false));
                    messages.len()
                };
                // Answer before waking tests: the client counts the mail as sent only then.
                reply(write, &format!("250 2.0.0 OK queued as {number}")).await?;
                arrived.send_replace(number);
            }
            "RSET" => {
                transaction = Transaction::default();
                reply(write, "250 2.0.0 OK").await?;
            }
            "NOOP" => reply(write, "250 2.0.0 OK").await?,
            "VRFY" => reply(write, "252 2.5.2 cannot verify, will accept").await?,
            "QUIT" => {
                reply(write, &format!("221 2.0.0 {NAME} closing")).await?;
                return Ok(());
            }
            _ => reply(write, "502 5.5.2 command not recognised").await?,
        }
    }
}

async fn reply(write: &mut (impl AsyncWrite + Unpin), text: &str) -> std::io::Result<()> {
    write.write_all(format!("{text}\r\n").as_bytes()).await?;
    write.flush().await
}

/// The next command line without its line end: `None` at the end of the stream, `Some(None)`
/// for a line over [`MAX_LINE`] (which is skipped).
async fn read_line(
    read: &mut (impl AsyncBufReadExt + AsyncRead + Unpin),
) -> std::io::Result<Option<Option<String>>> {
    let mut line = Vec::new();
    let n = (&mut *read)
        .take(MAX_LINE)
        .read_until(b'\n', &mut line)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    if !line.ends_with(b"\n") {
        // Skip the rest of the over-long line.
        let mut rest = Vec::new();
        read.read_until(b'\n', &mut rest).await?;
        return Ok(Some(None));
    }
    let text = String::from_utf8_lossy(&line);
    Ok(Some(Some(text.trim_end_matches(['\r', '\n']).to_owned())))
}

/// Reads message data up to the lone `.` line, undoing dot-stuffing; `None` when it is bigger
/// than [`MAX_MESSAGE`] (all of it is still read, so the session can go on).
async fn read_data(
    read: &mut (impl AsyncBufReadExt + AsyncRead + Unpin),
) -> std::io::Result<Option<String>> {
    let mut data = Vec::new();
    let mut too_big = false;
    loop {
        let mut line = Vec::new();
        let n = read.read_until(b'\n', &mut line).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" || line == b".\n" {
            break;
        }
        // RFC 5321 4.5.2: a line that starts with a dot had one more added by the client.
        let line = line.strip_prefix(b".").unwrap_or(&line);
        if data.len() + line.len() > MAX_MESSAGE {
            too_big = true;
        } else {
            data.extend_from_slice(line);
        }
    }
    Ok((!too_big).then(|| String::from_utf8_lossy(&data).into_owned()))
}

/// The address in `FROM:<a@b> PARAMS` (after `prefix`, case-insensitively), without brackets.
fn path_after(argument: &str, prefix: &str) -> Option<String> {
    let head = argument.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = argument[prefix.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some(rest[..end].to_owned())
}

impl ReceivedMail {
    /// The header section, unfolded: one (name, raw value) pair per header, in order.
    pub fn headers(&self) -> Vec<(String, String)> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = headers.last_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        headers
    }

    /// The raw value of header `name` (the first one), ignoring case.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers()
            .into_iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    /// The value of header `name` with RFC 2047 encoded words (`=?utf-8?b?...?=`) decoded.
    pub fn decoded_header(&self, name: &str) -> Option<String> {
        self.header(name).map(|value| decode_words(&value))
    }

    /// The body as text, decoded from its Content-Transfer-Encoding, with `\n` line ends.
    pub fn body(&self) -> String {
        let raw = self
            .data
            .split_once("\r\n\r\n")
            .map(|(_, body)| body)
            .unwrap_or_default();
        let encoding = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "base64" => {
                let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
                BASE64.decode(compact).expect("a base64 body")
            }
            "quoted-printable" => decode_quoted_printable(raw),
            _ => raw.as_bytes().to_vec(),
        };
        String::from_utf8(bytes)
            .expect("a UTF-8 body")
            .replace("\r\n", "\n")
    }

    /// The word right after the first `prefix` in the body (up to white space), e.g.
    /// `text_after("code: ")`.
    pub fn text_after(&self, prefix: &str) -> Option<String> {
        let body = self.body();
        let start = body.find(prefix)? + prefix.len();
        let word: String = body[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        (!word.is_empty()).then_some(word)
    }

    /// The first run of exactly six digits in the body: a confirmation code.
    pub fn code(&self) -> Option<String> {
        let body = self.body();
        let chars: Vec<char> = body.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i].is_ascii_digit() {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                if i - start == 6 {
                    return Some(chars[start..i].iter().collect());
                }
            } else {
                i += 1;
            }
        }
        None
    }

    /// The value of URL query parameter `name` in the first link of the body that has it, e.g.
    /// `url_param("token")` for `https://app/confirm?token=abc`.
    pub fn url_param(&self, name: &str) -> Option<String> {
        let body = self.body();
        let key = format!("{name}=");
        let mut from = 0;
        while let Some(found) = body[from..].find(&key) {
            let at = from + found;
            let start = at + key.len();
            if body[..at].ends_with(['?', '&']) {
                let value: String = body[start..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && !"&#\"'<>".contains(*c))
                    .collect();
                return Some(value);
            }
            from = start;
        }
        None
    }
}

/// Decodes quoted-printable (RFC 2045 6.7): `=XX` bytes and `=` soft line breaks.
fn decode_quoted_printable(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'=' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let rest = &bytes[i + 1..];
        if rest.starts_with(b"\r\n") {
            i += 3;
        } else if rest.starts_with(b"\n") {
            i += 2;
        } else if let Some(byte) = rest
            .get(..2)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            // Not an escape after all: keep it as it is.
            out.push(b'=');
            i += 1;
        }
    }
    out
}

/// Decodes the RFC 2047 encoded words (`=?charset?B|Q?text?=`, UTF-8 only) in a header value;
/// white space between two encoded words goes, as the RFC says.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let decoded = rest[start + 2..].split_once("?=").and_then(|(word, tail)| {
            let mut parts = word.splitn(3, '?');
            let (_charset, encoding, text) = (parts.next()?, parts.next()?, parts.next()?);
            let bytes = match encoding.to_ascii_lowercase().as_str() {
                "b" => BASE64.decode(text).ok()?,
                "q" => decode_quoted_printable(&text.replace('_', " ")),
                _ => return None,
            };
            Some((String::from_utf8(bytes).ok()?, tail))
        });
        let Some((word, tail)) = decoded else {
            out.push_str(&rest[..start + 2]);
            rest = &rest[start + 2..];
            after_word = false;
            continue;
        };
        let between = &rest[..start];
        if !(after_word && between.trim().is_empty()) {
            out.push_str(between);
        }
        out.push_str(&word);
        rest = tail;
        after_word = true;
    }
    out.push_str(rest);
    out
}
