//! Just enough HTTP/1.1 to talk to a started function: one request per connection, the answer
//! read to its end, chunked bodies joined.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};

/// How long a function may take to answer one request.
const ANSWER_LIMIT: Duration = Duration::from_secs(60);

/// A request to send.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: &'static str,
    /// The path and query the function is handed.
    pub target: String,
    /// Header names and values, besides `host`, `connection` and `content-length`.
    pub headers: Vec<(String, String)>,
    /// A JSON body, if any.
    pub body: Option<String>,
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
}

impl Answer {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as JSON, when it says it is JSON and is.
    pub fn json(&self) -> Option<serde_json::Value> {
        let json = self.header("content-type").is_some_and(|t| t.starts_with("application/json"));
        json.then(|| serde_json::from_str(&self.body).ok()).flatten()
    }
}

/// Sends `request` to the server on `port` of this machine.
pub fn send(port: u16, request: &Request) -> Result<Answer> {
    let mut stream =
        TcpStream::connect(("127.0.0.1", port)).with_context(|| format!("while connecting to port {port}"))?;
    stream.set_read_timeout(Some(ANSWER_LIMIT))?;
    let body = request.body.as_deref().unwrap_or_default();
    let mut head =
        format!("{} {} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\n", request.method, request.target);
    if request.body.is_some() {
        head.push_str(&format!("content-type: application/json\r\ncontent-length: {}\r\n", body.len()));
    }
    for (name, value) in &request.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).with_context(|| format!("while reading the answer to {}", request.target))?;
    parse(&raw)
}

/// Reads a whole HTTP/1.1 answer.
fn parse(raw: &[u8]) -> Result<Answer> {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        bail!("an answer without a complete head ({} bytes)", raw.len());
    };
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let Some(status) = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()) else {
        bail!("an answer with no status: {status_line:?}");
    };
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked { unchunk(rest)? } else { rest.to_vec() };
    Ok(Answer { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

/// Joins the chunks of a chunked body.
fn unchunk(mut rest: &[u8]) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") else { bail!("a chunk without its size") };
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or_default().trim(), 16)
            .with_context(|| format!("a chunk size that does not read: {size_text:?}"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        let Some(chunk) = rest.get(..size) else { bail!("a chunk cut short") };
        body.extend_from_slice(chunk);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunked_answer_is_joined_and_its_headers_read() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
                    4\r\n{\"a\"\r\n4\r\n: 1}\r\n0\r\n\r\n";
        let answer = parse(raw).expect("an answer");
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(answer.json(), Some(serde_json::json!({"a": 1})));
    }

    #[test]
    fn a_plain_answer_is_read_to_its_end() {
        let answer = parse(b"HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\nno!").expect("an answer");
        assert_eq!((answer.status, answer.body.as_str(), answer.json()), (404, "no!", None));
    }
}
