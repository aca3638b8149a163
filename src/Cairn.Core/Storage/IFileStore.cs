namespace Cairn.Core.Storage;

/// <summary>What the metadata store keeps about the file server: stored files and the deletion queue.</summary>
public interface IFileStore
{
}
