using Xunit;
using Xunit.Abstractions;

namespace Cairn.Compat.Tests;

/// <summary>
/// The SDK's HTTP session shared by two processes, as after <c>Task.init</c> forks its reporting
/// subprocess: kept-alive connections inherited by the child were used by both at once, and calls
/// read each other's bytes and answers (a body starting with the next call's "GET").
/// </summary>
public sealed class ForkTests(SdkServerFixture fixture, ITestOutputHelper output) : IClassFixture<SdkServerFixture>
{
    [RealSdkFact]
    public async Task A_forked_sdk_session_gets_the_answer_to_each_of_its_calls_in_both_processes()
    {
        var run = await RealSdk.RunAsync(fixture.Server, "fork_session.py", "200");
        output.WriteLine(run.Output);

        Assert.Empty(run.Node("parent_wrong")!.AsArray());
    }
}
