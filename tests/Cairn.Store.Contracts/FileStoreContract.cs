using Cairn.Core.Storage;
using Xunit;

namespace Cairn.Store.Contracts;

/// <summary><c>IFileStore</c>: records of stored files and the deletion queue every replica shares.</summary>
public abstract class FileStoreContract(IStoreProvider provider) : StoreContract(provider)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private static StoredFile File(string path, long size = 10, string sha = "aa") => new(path, size, sha, Now, Now.AddSeconds(-1));

    [Fact]
    public async Task A_saved_file_is_returned_and_saving_again_replaces_it()
    {
        await Store.Files.SaveAsync(File("a/model.bin", 10, "11"));
        Assert.Equal(File("a/model.bin", 10, "11"), await Store.Files.GetOrNullAsync("a/model.bin"));

        await Store.Files.SaveAsync(File("a/model.bin", 20, "22"));

        Assert.Equal(File("a/model.bin", 20, "22"), await Store.Files.GetOrNullAsync("a/model.bin"));
        Assert.Null(await Store.Files.GetOrNullAsync("a/other.bin"));
    }

    [Fact]
    public async Task Removing_a_path_removes_only_that_record()
    {
        await Store.Files.SaveAsync(File("a/b"));
        await Store.Files.SaveAsync(File("a/b/c"));

        Assert.Equal(1, await Store.Files.RemoveAsync("a/b", withDescendants: false));

        Assert.Null(await Store.Files.GetOrNullAsync("a/b"));
        Assert.NotNull(await Store.Files.GetOrNullAsync("a/b/c"));
    }

    [Fact]
    public async Task Removing_a_folder_removes_everything_below_it_and_nothing_beside_it()
    {
        foreach (var path in new[] { "a/b", "a/b/c", "a/b/d/e", "a/bc", "a/b0", "a/b.txt", "a" })
        {
            await Store.Files.SaveAsync(File(path));
        }

        Assert.Equal(3, await Store.Files.RemoveAsync("a/b", withDescendants: true));

        foreach (var kept in new[] { "a/bc", "a/b0", "a/b.txt", "a" })
        {
            Assert.NotNull(await Store.Files.GetOrNullAsync(kept));
        }
        Assert.Null(await Store.Files.GetOrNullAsync("a/b/d/e"));
    }

    [Fact]
    public async Task A_queued_deletion_is_claimed_once_with_an_attempt_counted_until_its_lease_ends()
    {
        await Store.Files.EnqueueDeletionAsync("http://files/a.bin", Now);

        var claimed = Assert.Single(await Store.Files.ClaimDeletionsAsync(Now, 10, Lease));
        Assert.Equal(("http://files/a.bin", 1, Now, Now + Lease), (claimed.Url, claimed.Attempts, claimed.Queued, claimed.NextAttempt));
        Assert.Empty(await Store.Files.ClaimDeletionsAsync(Now + Lease - TimeSpan.FromSeconds(1), 10, Lease));

        var again = Assert.Single(await Store.Files.ClaimDeletionsAsync(Now + Lease, 10, Lease));
        Assert.Equal((claimed.Id, 2), (again.Id, again.Attempts));
    }

    [Fact]
    public async Task The_deletion_count_counts_the_queue_leaving_out_entries_with_the_excluded_error()
    {
        Assert.Equal(0, await Store.Files.CountDeletionsAsync());
        await Store.Files.EnqueueDeletionAsync("http://files/a.bin", Now);
        await Store.Files.EnqueueDeletionAsync("http://files/b.bin", Now);
        await Store.Files.EnqueueDeletionAsync("http://files/c.bin", Now);
        var claimed = await Store.Files.ClaimDeletionsAsync(Now, 10, Lease);
        await Store.Files.RetryDeletionAsync(claimed[0].Id, Now, "gone");
        await Store.Files.RetryDeletionAsync(claimed[1].Id, Now, "timed out");

        Assert.Equal(3, await Store.Files.CountDeletionsAsync());
        Assert.Equal(2, await Store.Files.CountDeletionsAsync("gone"));
    }

    [Fact]
    public async Task A_deletion_queued_for_later_is_not_claimed_before_it_is_due()
    {
        await Store.Files.EnqueueDeletionAsync("http://files/a.bin", Now.AddMinutes(1));

        Assert.Empty(await Store.Files.ClaimDeletionsAsync(Now, 10, Lease));
        Assert.Single(await Store.Files.ClaimDeletionsAsync(Now.AddMinutes(1), 10, Lease));
    }

    [Fact]
    public async Task Queueing_a_url_twice_keeps_one_entry_due_at_once_with_its_attempts()
    {
        await Store.Files.EnqueueDeletionAsync("http://files/a.bin", Now);
        var claimed = Assert.Single(await Store.Files.ClaimDeletionsAsync(Now, 10, Lease));
        await Store.Files.RetryDeletionAsync(claimed.Id, Now.AddHours(1), "busy");

        await Store.Files.EnqueueDeletionAsync("http://files/a.bin", Now.AddSeconds(1));

        var entry = Assert.Single(await Store.Files.ListDeletionsAsync());
        Assert.Equal((claimed.Id, 1, Now.AddSeconds(1), Now.AddSeconds(1)), (entry.Id, entry.Attempts, entry.Queued, entry.NextAttempt));
    }

    [Fact]
    public async Task A_retried_deletion_waits_for_its_next_attempt_and_keeps_the_error()
    {
        await Store.Files.EnqueueDeletionAsync("http://files/a.bin", Now);
        var claimed = Assert.Single(await Store.Files.ClaimDeletionsAsync(Now, 10, Lease));

        await Store.Files.RetryDeletionAsync(claimed.Id, Now.AddSeconds(10), "disk busy");

        Assert.Empty(await Store.Files.ClaimDeletionsAsync(Now.AddSeconds(9), 10, Lease));
        var retried = Assert.Single(await Store.Files.ClaimDeletionsAsync(Now.AddSeconds(10), 10, Lease));
        Assert.Equal(("disk busy", 2), (retried.LastError, retried.Attempts));
    }

    [Fact]
    public async Task The_queue_is_listed_a_page_at_a_time_in_queue_order()
    {
        for (var i = 0; i < 5; i++)
        {
            await Store.Files.EnqueueDeletionAsync($"http://files/{i}.bin", Now.AddSeconds(i));
        }

        var first = await Store.Files.ListDeletionsAsync(afterId: 0, limit: 2);
        var second = await Store.Files.ListDeletionsAsync(first[^1].Id, 2);
        var last = await Store.Files.ListDeletionsAsync(second[^1].Id, 2);

        Assert.Equal(["http://files/0.bin", "http://files/1.bin"], first.Select(d => d.Url));
        Assert.Equal(["http://files/2.bin", "http://files/3.bin"], second.Select(d => d.Url));
        Assert.Equal(["http://files/4.bin"], last.Select(d => d.Url));
        Assert.Empty(await Store.Files.ListDeletionsAsync(last[^1].Id, 2));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.Files.ListDeletionsAsync(0, 0));
    }

    [Fact]
    public async Task A_completed_deletion_leaves_the_queue()
    {
        await Store.Files.EnqueueDeletionAsync("http://files/a.bin", Now);
        var claimed = Assert.Single(await Store.Files.ClaimDeletionsAsync(Now, 10, Lease));

        Assert.True(await Store.Files.CompleteDeletionAsync(claimed.Id));

        Assert.False(await Store.Files.CompleteDeletionAsync(claimed.Id));
        Assert.Empty(await Store.Files.ListDeletionsAsync());
        Assert.Empty(await Store.Files.ClaimDeletionsAsync(Now.AddDays(1), 10, Lease));
    }

    [Fact]
    public async Task A_claim_takes_at_most_its_limit_earliest_due_first()
    {
        await Store.Files.EnqueueDeletionAsync("http://files/late.bin", Now.AddSeconds(2));
        await Store.Files.EnqueueDeletionAsync("http://files/early.bin", Now);
        await Store.Files.EnqueueDeletionAsync("http://files/middle.bin", Now.AddSeconds(1));

        var first = await Store.Files.ClaimDeletionsAsync(Now.AddSeconds(5), 2, Lease);
        var rest = await Store.Files.ClaimDeletionsAsync(Now.AddSeconds(5), 2, Lease);

        Assert.Equal(["http://files/early.bin", "http://files/middle.bin"], first.Select(d => d.Url).Order(StringComparer.Ordinal));
        Assert.Equal("http://files/late.bin", Assert.Single(rest).Url);
    }

    [Fact]
    public async Task Concurrent_claims_hand_out_each_deletion_exactly_once()
    {
        const int Urls = 40;
        for (var i = 0; i < Urls; i++)
        {
            await Store.Files.EnqueueDeletionAsync($"http://files/{i}.bin", Now);
        }

        // Eight claimers at once, as replicas sharing the store would claim.
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var mine = new List<string>();
            while (await Store.Files.ClaimDeletionsAsync(Now, 3, Lease) is { Count: > 0 } batch)
            {
                mine.AddRange(batch.Select(d => d.Url));
            }
            return mine;
        })));

        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(Urls, all.Count);
        Assert.Equal(Urls, all.Distinct(StringComparer.Ordinal).Count());
        Assert.All(await Store.Files.ListDeletionsAsync(), d => Assert.Equal(1, d.Attempts));
    }
}
