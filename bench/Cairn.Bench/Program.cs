using System.Runtime.InteropServices;
using Cairn.Bench;

// The start-up floor of the CLI benchmark: a .NET program (apphost, runtime, this assembly) that does nothing.
if (args is ["--noop"])
{
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"cairn-bench: {e.Message}\n{BenchOptions.Usage}");
    return 2;
}

using var cancellation = new CancellationTokenSource();
// Ctrl+C, SIGTERM and SIGHUP unwind normally, so every server is stopped by its own `await using`
// and the scratch directory is removed; without these the runtime would exit and orphan them.
void Cancel(PosixSignalContext context)
{
    context.Cancel = true;
    cancellation.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Cancel);
AppDomain.CurrentDomain.ProcessExit += (_, _) => ServerProcess.KillAll();

try
{
    var report = options.Cli
        ? await new CliBenchmark(options, Console.Error).RunAsync(cancellation.Token)
        : options.Replicas
        ? await new ReplicasBenchmark(options, Console.Error).RunAsync(cancellation.Token)
        : options.Hardening
        ? await new HardeningBenchmark(options, Console.Error).RunAsync(cancellation.Token)
        : options.Files
        ? await new FilesBenchmark(options, Console.Error).RunAsync(cancellation.Token)
        : options.Models && options.Postgres is not null
        ? await new PostgresModelsBenchmark(options, Console.Error).RunAsync(cancellation.Token)
        : options.Models
        ? await new ModelsBenchmark(options, Console.Error).RunAsync(cancellation.Token)
        : options.Events
            ? await new EventsBenchmark(options, Console.Error).RunAsync(cancellation.Token)
            : await new Benchmark(options, Console.Error).RunAsync(cancellation.Token);
    Console.Write(report);
    return 0;
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("cairn-bench: cancelled");
    return 130;
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or FileNotFoundException or IOException or HttpRequestException
    or ArgumentException or Microsoft.Data.Sqlite.SqliteException or Npgsql.NpgsqlException)
{
    await Console.Error.WriteLineAsync($"cairn-bench: {e.Message}");
    return 1;
}
finally
{
    ServerProcess.KillAll();
}
