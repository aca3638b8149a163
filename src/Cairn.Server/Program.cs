using Cairn.Server.Hosting;

if (args is [MoveCommand.Name, .. var moveArgs])
{
    return await MoveCommand.RunAsync(moveArgs, Console.Out, Console.Error);
}

try
{
    var app = await CairnServer.BuildAsync(args);
    await app.RunAsync();
    return 0;
}
catch (CairnStartupException e)
{
    await Console.Error.WriteLineAsync($"cairn: {e.Message}");
    return 2;
}
catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
{
    await Console.Error.WriteLineAsync($"cairn: cannot listen: {e.Message}");
    return 2;
}
