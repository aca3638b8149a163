using Cairn.Core.Blobs;
using Cairn.Server.Files;

namespace Cairn.Server.Tests.Blobs;

/// <summary>The blob-store contract on the local-disk provider, each test in its own temporary root.</summary>
public sealed class DiskBlobStoreTests : BlobStoreContract, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("cairn-blobs-");
    private readonly DiskBlobStore _store;

    public DiskBlobStoreTests()
    {
        _store = new DiskBlobStore(_root.FullName, TimeProvider.System);
        _store.CreateRoot();
    }

    protected override IBlobStore Store => _store;

    public void Dispose() => _root.Delete(recursive: true);
}
