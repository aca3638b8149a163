using Cairn.Protocol;

namespace Cairn.Server.Api;

/// <summary>Reads ClearML's custom headers under either prefix (<c>X-ClearML-</c> first, then <c>X-Trains-</c>).</summary>
internal static class ClearmlHeaderValues
{
    public static string? Get(HttpRequest request, string name) =>
        request.Headers[ClearmlHeaders.Prefix + name].FirstOrDefault()
        ?? request.Headers[ClearmlHeaders.LegacyPrefix + name].FirstOrDefault();
}
