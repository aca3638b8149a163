using Microsoft.AspNetCore.Http;

namespace Cairn.Web.Api;

/// <summary>
/// The server's API entry point (its dispatcher's request handler). The UI calls it in-process so
/// every request takes the same path, validation and error codes as one from the ClearML SDK.
/// </summary>
public delegate Task ApiHandler(HttpContext http);
