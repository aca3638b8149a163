using Microsoft.Playwright;

namespace Cairn.Bench.Web;

/// <summary>
/// Counts the WebSocket frames (Blazor's SignalR circuit) a page sends and receives, so a filter
/// change can be broken down into round trips and render-batch bytes.
/// </summary>
internal sealed class SocketTraffic
{
    private long _sentFrames;
    private long _receivedFrames;
    private long _receivedBytes;

    public SocketTraffic(IPage page) => page.WebSocket += (_, socket) =>
    {
        socket.FrameSent += (_, _) => Interlocked.Increment(ref _sentFrames);
        socket.FrameReceived += (_, frame) =>
        {
            Interlocked.Increment(ref _receivedFrames);
            Interlocked.Add(ref _receivedBytes, frame.Binary?.Length ?? System.Text.Encoding.UTF8.GetByteCount(frame.Text ?? ""));
        };
    };

    public Snapshot Now() => new(Interlocked.Read(ref _sentFrames), Interlocked.Read(ref _receivedFrames), Interlocked.Read(ref _receivedBytes));

    public readonly record struct Snapshot(long SentFrames, long ReceivedFrames, long ReceivedBytes)
    {
        public static Snapshot operator -(Snapshot a, Snapshot b) =>
            new(a.SentFrames - b.SentFrames, a.ReceivedFrames - b.ReceivedFrames, a.ReceivedBytes - b.ReceivedBytes);
    }
}
