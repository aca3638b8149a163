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
catch (Exception e) when (NativeLibraryFailure(e) is { } missing)
{
    // A single-file binary copied without its native libraries (or to a platform they do not
    // fit) fails here: one line naming the library, not a stack trace.
    await Console.Error.WriteLineAsync($"cairn: a native library could not be loaded: {missing.Message}");
    return 2;
}

static Exception? NativeLibraryFailure(Exception? e)
{
    for (; e is not null; e = e.InnerException)
    {
        if (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            return e;
        }
    }
    return null;
}
