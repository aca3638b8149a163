using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cairn.Tests.Session;

/// <summary>
/// A tiny Kestrel endpoint for what the real server cannot be made to do (answer 503, 429):
/// it answers <c>auth.login</c> with an unsigned JWT and every other path with <see cref="Answer"/>.
/// </summary>
internal sealed class FakeServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeServer(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>The requests seen, in order: path and headers.</summary>
    public ConcurrentQueue<(string Path, Dictionary<string, string> Headers)> Requests { get; } = new();

    /// <summary>Given the number of non-login calls so far (1-based), the status to answer.</summary>
    public Func<int, int> Answer { get; set; } = _ => 200;

    /// <summary>How long each non-login call waits before it answers (a server that hangs).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    /// <summary>The api_version claim of the tokens auth.login gives (null: none).</summary>
    public string? LoginApiVersion { get; set; } = "2.31";

    /// <summary>The bodies of the auth.login requests, as received.</summary>
    public ConcurrentQueue<string> LoginBodies { get; } = new();

    /// <summary>The bodies of non-login POSTs (file uploads among them), with their Content-Type.</summary>
    public ConcurrentQueue<(string ContentType, byte[] Body)> Posts { get; } = new();

    /// <summary>What a GET answers (a file download); null for the JSON envelope.</summary>
    public byte[]? Download { get; set; }

    /// <summary>With <see cref="Download"/>: how many of the first GETs send half of it and then hang (a stalled transfer).</summary>
    public int StalledDownloads
    {
        get => Volatile.Read(ref _stalls);
        set => Volatile.Write(ref _stalls, value);
    }

    private int _stalls;

    /// <summary>How many non-login calls were answered to the end.</summary>
    public int Answered => Volatile.Read(ref _answered);

    private int _answered;

    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public static async Task<FakeServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Url = new Uri(app.Urls.First());
        return server;
    }

    public static string Jwt(DateTimeOffset expires, string? apiVersion = "2.31")
    {
        static string Part(object value) => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(value)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var claims = new Dictionary<string, object> { ["exp"] = expires.ToUnixTimeSeconds(), ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() };
        if (apiVersion is not null)
        {
            claims["api_version"] = apiVersion;
        }
        return $"{Part(new { alg = "HS256" })}.{Part(claims)}.c2ln";
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        // Kestrel recycles the header collection after the request, so keep a copy.
        Requests.Enqueue((path, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
        int status;
        object data;
        if (path == "/auth.login")
        {
            status = 200;
            using var reader = new StreamReader(context.Request.Body);
            LoginBodies.Enqueue(await reader.ReadToEndAsync());
            data = new { token = Jwt(DateTimeOffset.UtcNow.AddHours(1), LoginApiVersion) };
        }
        else if (context.Request.Method == "GET" && Download is { } download)
        {
            Interlocked.Increment(ref _calls);
            context.Response.ContentLength = download.Length;
            context.Response.ContentType = "application/octet-stream";
            var sent = Interlocked.Decrement(ref _stalls) >= 0 ? download.Length / 2 : download.Length;
            await context.Response.Body.WriteAsync(download.AsMemory(0, sent));
            await context.Response.Body.FlushAsync();
            if (sent < download.Length)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The client gave up on the stalled body.
                }
            }
            return;
        }
        else
        {
            if (context.Request.Method == "POST")
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                Posts.Enqueue((context.Request.ContentType ?? "", body.ToArray()));
            }
            status = Answer(Interlocked.Increment(ref _calls));
            if (Delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(Delay, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            data = status == 200 ? new { answered = true } : new { };
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var envelope = new { meta = new { result_code = status, result_subcode = 0, result_msg = status == 200 ? "OK" : "busy", trx = "fake-trx" }, data };
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(envelope)));
        if (path != "/auth.login")
        {
            Interlocked.Increment(ref _answered);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
