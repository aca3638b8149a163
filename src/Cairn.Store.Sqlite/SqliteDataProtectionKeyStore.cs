using Cairn.Core.Storage;

namespace Cairn.Store.Sqlite;

/// <param name="database">The store's database.</param>
/// <param name="path">The database file; the ring's lock is a file beside it (processes sharing the database share its folder).</param>
internal sealed class SqliteDataProtectionKeyStore(SqliteDatabase database, string path) : IDataProtectionKeyStore
{
    public async Task<IReadOnlyList<string>> GetAllAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT xml FROM data_protection_keys ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var elements = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            elements.Add(reader.GetString(0));
        }
        return elements;
    }

    public async Task AddAsync(string friendlyName, string xml, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO data_protection_keys (friendly_name, xml) VALUES ($name, $xml)";
        command.Add("$name", friendlyName);
        command.Add("$xml", xml);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static readonly TimeSpan LockRetry = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LockPatience = TimeSpan.FromMinutes(1);

    // Within one process (and for a database without a file) a semaphore is the lock.
    private readonly SemaphoreSlim _local = new(1, 1);

    public async Task<IAsyncDisposable> LockAsync(CancellationToken cancellationToken = default)
    {
        await _local.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (path.Length == 0 || path == ":memory:" || path.StartsWith("file:", StringComparison.Ordinal))
            {
                return new RingLock(_local, null);
            }
            // An exclusive open is an OS lock (flock on Unix) other processes opening it the same way wait for.
            var deadline = Environment.TickCount64 + (long)LockPatience.TotalMilliseconds;
            while (true)
            {
                try
                {
                    return new RingLock(_local, new FileStream(path + ".keyring-lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException) when (Environment.TickCount64 < deadline)
                {
                    // Held by another process: it holds it for a key's creation, milliseconds.
                    await Task.Delay(LockRetry, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            _local.Release();
            throw;
        }
    }

    private sealed class RingLock(SemaphoreSlim local, FileStream? file) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
            local.Release();
        }
    }
}
