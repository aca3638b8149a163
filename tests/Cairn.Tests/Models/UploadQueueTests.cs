using Cairn.Models;
using Xunit;

namespace Cairn.Tests.Models;

/// <summary>A client's upload queue, with uploads whose end the test decides; the process-wide wait sees it, so these run alone.</summary>
[Collection(nameof(DefaultUploadUriCollection))]
public sealed class UploadQueueTests
{
    [Fact]
    public async Task Waiting_for_a_number_of_uploads_waits_for_the_oldest_and_a_timeout_leaves_them_running()
    {
        var first = new TaskCompletionSource();
        var second = new TaskCompletionSource();
        var experiment = $"queue-test-{Guid.NewGuid():N}";
        var queue = new UploadQueue();
        var a = queue.Enqueue("model-a", "file:///a", experiment, _ => first.Task);
        var b = queue.Enqueue("model-b", "file:///b", experiment, _ => second.Task);
        try
        {
            var mine = (UploadQueue.PendingUpload u) => u.ExperimentId == experiment;
            await Assert.ThrowsAsync<TimeoutException>(() => queue.WaitAsync(TimeSpan.FromMilliseconds(50), null, mine, default));

            // Waiting for one upload waits for the oldest pending one only.
            var waitForOne = queue.WaitAsync(TimeSpan.FromSeconds(30), 1, mine, default);
            Assert.False(waitForOne.IsCompleted);
            first.SetResult();
            await waitForOne;
            Assert.True(a.Completion.IsCompletedSuccessfully);
            Assert.False(b.Completion.IsCompleted);

            second.SetException(new IOException("disk full"));
            var failure = await Assert.ThrowsAsync<IOException>(() => queue.WaitAsync(TimeSpan.FromSeconds(30), null, mine, default));
            Assert.Equal("disk full", failure.Message);
            await queue.WaitAsync(TimeSpan.FromSeconds(30), null, mine, default); // each failure is reported once
        }
        finally
        {
            first.TrySetResult();
            second.TrySetResult();
        }
    }
}
