using Cairn.Server.Hosting;
using Xunit;

namespace Cairn.Server.Tests;

/// <summary>Kestrel's block pool: a block belongs to one renter at a time, whatever its callers do.</summary>
public sealed class MemoryPoolTests
{
    [Fact]
    public void A_second_dispose_of_a_returned_block_does_not_hand_it_to_two_renters()
    {
        using var pool = new LargeBlockMemoryPool();
        var first = pool.Rent();
        var block = first.Memory;
        first.Dispose();

        var second = pool.Rent();
        Assert.True(second.Memory.Span == block.Span, "the pool reuses a returned block");
        // A stale dispose by the first renter, while the second still uses the block.
        first.Dispose();
        var third = pool.Rent();

        Assert.False(third.Memory.Span == second.Memory.Span, "two live renters share one block");
        second.Dispose();
        third.Dispose();
    }

    [Fact]
    public void A_disposed_lease_gives_no_memory()
    {
        using var pool = new LargeBlockMemoryPool();
        var lease = pool.Rent();
        lease.Dispose();

        Assert.Throws<ObjectDisposedException>(() => lease.Memory);
    }
}
