using System.Net;
using System.Net.Sockets;
using Cairn.Core.Storage;
using Cairn.Store.Contracts;
using Npgsql;
using Xunit;

namespace Cairn.Store.Postgres.Tests;

public sealed class PostgresDataProtectionKeyStoreTests() : DataProtectionKeyStoreContract(new PostgresStoreProvider());

public sealed class PostgresAvailabilityTests() : StoreAvailabilityContract(new PostgresStoreProvider())
{
    // Nothing listens on the port: the connection is refused, as when the database server is stopped.
    protected override IMetadataStore CreateUnreachableStore() =>
        new PostgresMetadataStore(new NpgsqlConnectionStringBuilder(PostgresStoreProvider.AdminConnectionString)
        {
            Host = "127.0.0.1",
            Port = ClosedPort(),
            Timeout = 5,
        }.ConnectionString);

    [Fact]
    public async Task A_connection_terminated_mid_query_is_unavailability_and_the_store_recovers_by_itself()
    {
        await Store.Sessions.RevokeTokenAsync("session-1", Now.AddHours(1));
        await using var victim = await PostgresStoreProvider.OpenConnectionAsync(Store);
        var pid = victim.ProcessID;
        await using var sleep = new NpgsqlCommand("SELECT pg_sleep(60)", victim);
        var running = sleep.ExecuteScalarAsync();

        // An operator (or a failover) ends the backend while the query runs: 57P01 admin shutdown.
        await using (var admin = new NpgsqlConnection(PostgresStoreProvider.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(@pid, 10000)", admin);
            terminate.Parameters.AddWithValue("pid", pid);
            Assert.Equal(true, await terminate.ExecuteScalarAsync());
        }
        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => running);

        var unavailable = Store.AsUnavailableOrNull(error);
        Assert.NotNull(unavailable);
        Assert.Contains("is unavailable", unavailable.Message, StringComparison.Ordinal);
        // The next call gets a fresh connection from the pool and works.
        Assert.True(await Store.Sessions.IsTokenRevokedAsync("session-1"));
    }

    [Fact]
    public async Task Every_connection_of_the_store_terminated_between_calls_is_recovered_from()
    {
        // One call, so the pool holds one idle connection, which the terminate then kills.
        await Store.Sessions.RevokeTokenAsync("session-1", Now.AddHours(1));
        await using (var admin = new NpgsqlConnection(PostgresStoreProvider.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var terminate = new NpgsqlCommand(
                "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid()) t", admin);
            terminate.Parameters.AddWithValue("db", ((PostgresMetadataStore)Store).Describe().Split('/')[^1]);
            Assert.True((long)(await terminate.ExecuteScalarAsync())! >= 1);
        }

        // The first call may meet the dead connection (unavailable: a 503 the client retries);
        // the pool drops it, and every call after that succeeds, with nothing restarted.
        var outcomes = new List<string>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            try
            {
                Assert.True(await Store.Sessions.IsTokenRevokedAsync("session-1"));
                outcomes.Add("ok");
            }
            catch (Exception e) when (Store.AsUnavailableOrNull(e) is not null)
            {
                outcomes.Add("unavailable");
            }
        }
        Assert.All(outcomes.Skip(1), outcome => Assert.Equal("ok", outcome));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
