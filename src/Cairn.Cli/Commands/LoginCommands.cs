using System.CommandLine;
using System.Text.Json.Nodes;
using Cairn.Configuration;
using Cairn.Session;
using static Cairn.Cli.Commands.Common;

namespace Cairn.Cli.Commands;

/// <summary><c>cairn login</c> and <c>cairn whoami</c>.</summary>
internal static class LoginCommands
{
    public static Command Login()
    {
        var command = new Command("login", """
            Check a server URL and key pair, then write them to ~/clearml.conf (or --config, or
            CLEARML_CONFIG_FILE). Nothing is written when the server refuses them. The rest of the
            file is kept; the block this command writes is replaced on the next login.

            Example:
              cairn login --api-host http://127.0.0.1:8008 --access-key KEY --secret-key SECRET
            """);
        var api = new Option<Uri>("--api-host") { Description = "The API server, e.g. http://127.0.0.1:8008", Required = true, CustomParser = ParseUri };
        var web = new Option<Uri?>("--web-host") { Description = "The web UI (default: derived from the API host as ClearML does)", CustomParser = ParseUri };
        var files = new Option<Uri?>("--files-host") { Description = "The files server (default: derived from the API host as ClearML does)", CustomParser = ParseUri };
        var access = new Option<string>("--access-key") { Description = "The access key", Required = true };
        var secret = new Option<string>("--secret-key") { Description = "The secret key (or set CLEARML_API_SECRET_KEY, which keeps it out of the shell history)" };
        command.Options.Add(api);
        command.Options.Add(web);
        command.Options.Add(files);
        command.Options.Add(access);
        command.Options.Add(secret);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var secretKey = context.Get(secret) ?? Environment.GetEnvironmentVariable("CLEARML_API_SECRET_KEY");
            if (string.IsNullOrEmpty(secretKey))
            {
                throw new UsageException("give --secret-key or set CLEARML_API_SECRET_KEY");
            }
            var overrides = context.Overrides();
            var settings = new ClearMLSettings
            {
                ApiHost = context.Get(api)!,
                WebHost = context.Get(web),
                FilesHost = context.Get(files),
                AccessKey = context.Get(access),
                SecretKey = secretKey,
                // The SDK's default retry deadline (api.http.retry_deadline_sec): nothing is configured yet.
                RetryDeadline = overrides.RetryDeadline ?? TimeSpan.FromSeconds(300),
            };
            await using var session = new ClearMLSession(settings);
            var user = await CurrentUserAsync(session, cancellationToken).ConfigureAwait(false);
            var path = overrides.ConfigFile ?? ClearmlConfFile.DefaultPath();
            ClearmlConfFile.Write(path, ClearmlConfFile.Block(settings.ApiHost, settings.WebHost, settings.FilesHost, settings.AccessKey!, secretKey));
            context.WriteLine($"Logged in to {settings.ApiHost} as {Text(user, "name") ?? Text(user, "id")}; wrote {Path.GetFullPath(path)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command WhoAmI()
    {
        var command = new Command("whoami", "Print the user the configured credentials belong to, and the server.\n\nExample:\n  cairn whoami --json");
        var json = Json();
        command.Options.Add(json);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var user = await CurrentUserAsync(context.Session, cancellationToken).ConfigureAwait(false);
            var result = new JsonObject
            {
                ["id"] = Text(user, "id"),
                ["name"] = Text(user, "name"),
                ["company"] = user["company"] is JsonObject company ? Text(company, "name") : null,
                ["api_server"] = context.Settings.ApiHost.ToString(),
                ["api_version"] = context.Session.ServerApiVersion,
            };
            if (context.Get(json))
            {
                context.WriteJson(result);
            }
            else
            {
                context.WriteLine($"{Text(result, "name")} ({Text(result, "id")}) on {Text(result, "api_server")}, API {Text(result, "api_version")}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<JsonObject> CurrentUserAsync(ClearMLSession session, CancellationToken cancellationToken)
    {
        var data = await session.CallAsync("users.get_current_user", new JsonObject(), cancellationToken).ConfigureAwait(false);
        return data["user"] as JsonObject ?? throw new CommandFailedException("users.get_current_user answered no user");
    }

    private static Uri? ParseUri(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return uri;
        }
        result.AddError($"'{text}' is not an http(s) URL");
        return null;
    }
}
