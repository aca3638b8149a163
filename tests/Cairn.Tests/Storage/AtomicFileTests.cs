using Cairn.Storage;
using Xunit;

namespace Cairn.Tests.Storage;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_failed_write_leaves_the_old_file_whole_and_no_temporary_behind()
    {
        var target = Path.Combine(_temp.Path, "sub", "weights.bin");
        await AtomicFile.WriteAsync(target, async temp =>
        {
            await File.WriteAllTextAsync(temp, "old");
            return 0;
        });

        await Assert.ThrowsAsync<IOException>(() => AtomicFile.WriteAsync<int>(target, async temp =>
        {
            Assert.False(File.Exists(target) && File.ReadAllText(target) != "old", "the target must not change before the rename");
            await File.WriteAllTextAsync(temp, "half of the n");
            throw new IOException("the connection was lost");
        }));

        Assert.Equal("old", File.ReadAllText(target));
        Assert.Equal([target], Directory.GetFiles(Path.GetDirectoryName(target)!));
    }

    [Fact]
    public async Task A_folder_is_published_whole_and_a_second_writer_keeps_the_first_ones()
    {
        var folder = Path.Combine(_temp.Path, "extracted");
        await AtomicFile.WriteFolderAsync(folder, temp => File.WriteAllTextAsync(Path.Combine(temp, "a.txt"), "first"));
        await AtomicFile.WriteFolderAsync(folder, temp => File.WriteAllTextAsync(Path.Combine(temp, "a.txt"), "second"));

        Assert.Equal("first", File.ReadAllText(Path.Combine(folder, "a.txt")));
        Assert.Equal([folder], Directory.GetDirectories(_temp.Path));

        AtomicFile.WriteAllText(Path.Combine(_temp.Path, "record"), "1 2 3");
        Assert.Equal("1 2 3", File.ReadAllText(Path.Combine(_temp.Path, "record")));
        Assert.DoesNotContain(Directory.GetFiles(_temp.Path), f => f.EndsWith(AtomicFile.PartialSuffix, StringComparison.Ordinal));
    }
}
