using System.Runtime.InteropServices;
using Cairn.Bench.Web;

WebBenchOptions options;
try
{
    options = WebBenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"cairn-bench-web: {e.Message}\n{WebBenchOptions.Usage}");
    return 2;
}

using var cancellation = new CancellationTokenSource();
// Ctrl+C, SIGTERM and SIGHUP unwind normally, so the server and the browser are stopped by their
// own `await using` and the scratch directory is removed.
void Cancel(PosixSignalContext context)
{
    context.Cancel = true;
    cancellation.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Cancel);

try
{
    var report = await new WebBenchmark(options, Console.Error).RunAsync(cancellation.Token);
    Console.Write(report);
    return 0;
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("cairn-bench-web: cancelled");
    return 130;
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or FileNotFoundException or IOException or HttpRequestException
    or Microsoft.Data.Sqlite.SqliteException or Microsoft.Playwright.PlaywrightException)
{
    await Console.Error.WriteLineAsync($"cairn-bench-web: {e.Message}");
    return 1;
}
