//! Joins the small frames of a streamed response into fewer, larger ones.
//!
//! The daemon writes `docker logs` one line at a time, each flushed as its
//! own HTTP chunk: a 1 GB log of 64-byte lines is sixteen million chunks.
//! Forwarded one by one, each costs the proxy a write to the client (and
//! the client a read); measured, the proxy then spent ~6 µs of CPU per line
//! and the log arrived at two thirds of the daemon's own speed on two
//! cores. [`Coalesce`] hands on what has arrived as one frame once it holds
//! [`MAX_BATCH`] bytes, once the stream ends, or at the latest
//! [`FLUSH_AFTER`] after its first byte arrived: a line of `docker logs -f`
//! is never held longer than that.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// A batch is handed on when it reaches this size.
pub const MAX_BATCH: usize = 64 << 10;
/// The longest a byte waits for others to join it.
pub const FLUSH_AFTER: Duration = Duration::from_millis(2);

/// A body whose data frames are joined (see the module's documentation).
/// Non-data frames (trailers) and errors end the batch and follow it.
pub struct Coalesce<B: Body> {
    inner: B,
    buf: Vec<u8>,
    /// Armed while `buf` holds data: when it must be handed on.
    deadline: Pin<Box<Sleep>>,
    /// A trailers frame or an error that comes after `buf`.
    held: Option<Result<Frame<Bytes>, B::Error>>,
    ended: bool,
}

// `poll_frame` moves nothing out of the inner body (which is `Unpin`); the
// held error is only ever taken by value.
impl<B: Body + Unpin> Unpin for Coalesce<B> {}

impl<B: Body> Coalesce<B> {
    pub fn new(inner: B) -> Coalesce<B> {
        Coalesce {
            inner,
            buf: Vec::new(),
            deadline: Box::pin(tokio::time::sleep(FLUSH_AFTER)),
            held: None,
            ended: false,
        }
    }

    fn take_batch(&mut self) -> Frame<Bytes> {
        Frame::data(Bytes::from(std::mem::take(&mut self.buf)))
    }
}

impl<B> Body for Coalesce<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = self.get_mut();
        loop {
            if this.buf.len() >= MAX_BATCH || (this.ended && !this.buf.is_empty()) {
                return Poll::Ready(Some(Ok(this.take_batch())));
            }
            if this.ended {
                return Poll::Ready(this.held.take());
            }
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => {
                        if this.buf.is_empty() {
                            if data.len() >= MAX_BATCH {
                                return Poll::Ready(Some(Ok(Frame::data(data))));
                            }
                            this.deadline.as_mut().reset(Instant::now() + FLUSH_AFTER);
                            this.buf.reserve(MAX_BATCH.min(data.len() * 64));
                        }
                        this.buf.extend_from_slice(&data);
                    }
                    Err(other) => {
                        this.held = Some(Ok(other));
                        this.ended = true;
                    }
                },
                Poll::Ready(Some(Err(e))) => {
                    this.held = Some(Err(e));
                    this.ended = true;
                }
                Poll::Ready(None) => this.ended = true,
                Poll::Pending => {
                    if this.buf.is_empty() {
                        return Poll::Pending;
                    }
                    // Woken by the next frame or by the deadline.
                    if this.deadline.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Some(Ok(this.take_batch())));
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ended && self.buf.is_empty() && self.held.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        let mut h = self.inner.size_hint();
        let extra = self.buf.len() as u64;
        h.set_lower(h.lower().saturating_add(extra));
        if let Some(u) = h.upper() {
            h.set_upper(u.saturating_add(extra));
        }
        h
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use http_body_util::{BodyExt, StreamBody};
    use std::convert::Infallible;

    type Item = Result<Frame<Bytes>, Infallible>;

    fn data(s: &str) -> Item {
        Ok(Frame::data(Bytes::from(s.to_string())))
    }

    #[tokio::test(start_paused = true)]
    async fn ready_frames_are_joined_and_nothing_is_lost() {
        let frames: Vec<Item> = (0..1000).map(|i| data(&format!("line {i}\n"))).collect();
        let expected: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let mut body = Coalesce::new(StreamBody::new(futures_util::stream::iter(frames)));
        let mut got = Vec::new();
        let mut n = 0;
        while let Some(f) = body.frame().await {
            got.extend_from_slice(&f.unwrap().into_data().unwrap());
            n += 1;
        }
        assert_eq!(String::from_utf8(got).unwrap(), expected);
        assert_eq!(n, 1, "all 1000 ready lines in one frame");
        assert!(body.is_end_stream());
    }

    #[tokio::test(start_paused = true)]
    async fn big_batches_are_split_and_big_frames_pass_as_they_are() {
        let line = "x".repeat(1000);
        let frames: Vec<Item> = (0..200).map(|_| data(&line)).collect();
        let mut body = Coalesce::new(StreamBody::new(futures_util::stream::iter(frames)));
        let mut sizes = Vec::new();
        while let Some(f) = body.frame().await {
            sizes.push(f.unwrap().into_data().unwrap().len());
        }
        assert_eq!(sizes.iter().sum::<usize>(), 200_000);
        assert!(sizes.iter().all(|s| *s <= MAX_BATCH + 1000), "{sizes:?}");
        assert!(sizes.len() >= 3, "{sizes:?}");

        let big = "y".repeat(MAX_BATCH * 2);
        let mut body = Coalesce::new(StreamBody::new(futures_util::stream::iter(vec![data(
            &big,
        )])));
        let f = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(f.len(), MAX_BATCH * 2);
        assert!(body.frame().await.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_lone_line_waits_at_most_the_flush_delay() {
        // A `logs -f` stream: one line, then silence.
        let (tx, rx) = tokio::sync::mpsc::channel::<Item>(4);
        let stream = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|i| (i, rx))
        }));
        let mut body = Coalesce::new(StreamBody::new(stream));
        tx.send(data("first\n")).await.unwrap();
        let t0 = Instant::now();
        let f = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&f[..], b"first\n");
        let waited = t0.elapsed();
        assert!(
            waited <= FLUSH_AFTER + Duration::from_millis(1),
            "{waited:?}"
        );
        // Then the end.
        tx.send(data("second\n")).await.unwrap();
        drop(tx);
        let f = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&f[..], b"second\n");
        assert!(body.frame().await.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn trailers_and_errors_follow_the_batch() {
        let mut trailers = hyper::HeaderMap::new();
        trailers.insert("x-end", "1".parse().unwrap());
        let frames: Vec<Item> = vec![data("a"), data("b"), Ok(Frame::trailers(trailers))];
        let mut body = Coalesce::new(StreamBody::new(futures_util::stream::iter(frames)));
        let f = body.frame().await.unwrap().unwrap();
        assert_eq!(&f.into_data().unwrap()[..], b"ab");
        let f = body.frame().await.unwrap().unwrap();
        assert!(f.is_trailers());
        assert!(body.frame().await.is_none());

        let frames: Vec<Result<Frame<Bytes>, String>> = vec![
            Ok(Frame::data(Bytes::from_static(b"a"))),
            Err("upstream reset".into()),
        ];
        let mut body = Coalesce::new(StreamBody::new(futures_util::stream::iter(frames)));
        assert_eq!(
            &body.frame().await.unwrap().unwrap().into_data().unwrap()[..],
            b"a"
        );
        assert_eq!(body.frame().await.unwrap().unwrap_err(), "upstream reset");
        assert!(body.frame().await.is_none());
    }
}
