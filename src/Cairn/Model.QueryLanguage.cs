using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Experiments;
using Cairn.Models;
using Cairn.Protocol.Query;
using Cairn.Session;

namespace Cairn;

// Queries in Cairn's query language (docs/query.md), compiled by Cairn.Protocol's QueryCompiler into
// models.get_all's fields, so they run unchanged against a Cairn or a ClearML server.
public partial class Model
{
    /// <summary>
    /// The models <paramref name="query"/> matches, newest first, each loaded, as a list (every page
    /// read unless <paramref name="maxResults"/> stops it). The query is a line of Cairn's query
    /// language (docs/query.md), for example
    /// <c>tag:production and not tag:deprecated and (framework:PyTorch or framework:ONNX) and published</c>;
    /// <see cref="QueryEachAsync(string, string?, bool, int, ClearMLSession?, CancellationToken)"/> yields the
    /// same models page by page instead.
    /// </summary>
    /// <param name="query">The query text.</param>
    /// <param name="projectName">Only models of this project (exact full name; sub-projects are not included); null for all projects.</param>
    /// <param name="maxResults">At most this many models; null for all.</param>
    /// <param name="includeArchived">
    /// Also archived models. When false they are left out, as in ClearML's UI, unless the query has a
    /// <c>system_tag</c> condition: then the query alone decides.
    /// </param>
    /// <param name="session">The connection; null for the one made from the configuration.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is null.</exception>
    /// <exception cref="QueryException">
    /// The query does not parse, or it has a shape ClearML's <c>get_all</c> cannot express; its
    /// <see cref="QueryException.Column"/> and <see cref="QueryException.Token"/> point at the part at fault.
    /// Thrown by the call itself, before anything is sent.
    /// </exception>
    /// <exception cref="ArgumentException">
    /// No project is named <paramref name="projectName"/>, or the query has a <c>project:</c> condition
    /// as well as <paramref name="projectName"/>.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxResults"/> is negative.</exception>
    /// <exception cref="ClearMLRequestException">The server refused the query.</exception>
    public static Task<IReadOnlyList<Model>> QueryAsync(string query, string? projectName = null, int? maxResults = null,
        bool includeArchived = false, ClearMLSession? session = null, CancellationToken cancellationToken = default)
    {
        if (maxResults < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxResults), maxResults, "maxResults must not be negative.");
        }
        var filter = QueryFilter(query, projectName, includeArchived);
        return CollectAsync(filter, projectName, maxResults, ModelWire.PageSize, session ?? SdkContext.DefaultSession, cancellationToken);

        static async Task<IReadOnlyList<Model>> CollectAsync(JsonObject filter, string? projectName, int? maxResults, int pageSize,
            ClearMLSession session, CancellationToken cancellationToken)
        {
            var models = new List<Model>();
            await foreach (var model in ReadQueryAsync(filter, projectName, maxResults, pageSize, session, cancellationToken).ConfigureAwait(false))
            {
                models.Add(model);
            }
            return models;
        }
    }

    /// <summary>
    /// The models <paramref name="query"/> (Cairn's query language, docs/query.md) matches, newest
    /// first, each loaded. Lazy, as <see cref="GetModelsAsync(ModelQuery?, ClearMLSession?, CancellationToken)"/>:
    /// nothing is sent until the enumeration starts, and each further page (<paramref name="pageSize"/>
    /// models, one <c>models.get_all</c>) is fetched only when the previous one has been consumed, so
    /// breaking out early stops the calls.
    /// </summary>
    /// <param name="query">The query text.</param>
    /// <param name="projectName">Only models of this project (exact full name; sub-projects are not included); null for all projects.</param>
    /// <param name="includeArchived">
    /// Also archived models. When false they are left out unless the query has a <c>system_tag</c>
    /// condition: then the query alone decides.
    /// </param>
    /// <param name="pageSize">How many models one <c>models.get_all</c> call fetches (1 to 500).</param>
    /// <param name="session">The connection; null for the one made from the configuration.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is null.</exception>
    /// <exception cref="QueryException">
    /// The query does not parse or cannot be expressed in ClearML's <c>get_all</c> fields (column and
    /// token in the exception). Thrown by the call itself, before the enumeration starts.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageSize"/> is outside 1–500.</exception>
    /// <exception cref="ArgumentException">
    /// The query has a <c>project:</c> condition as well as <paramref name="projectName"/> (thrown by the
    /// call); no project is named <paramref name="projectName"/> (thrown when the enumeration starts).
    /// </exception>
    /// <exception cref="ClearMLRequestException">The server refused a page.</exception>
    public static IAsyncEnumerable<Model> QueryEachAsync(string query, string? projectName = null, bool includeArchived = false,
        int pageSize = ModelWire.PageSize, ClearMLSession? session = null, CancellationToken cancellationToken = default)
    {
        if (pageSize is < 1 or > ModelWire.PageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(pageSize), pageSize, $"pageSize must be between 1 and {ModelWire.PageSize}.");
        }
        var filter = QueryFilter(query, projectName, includeArchived);
        return ReadQueryAsync(filter, projectName, null, pageSize, session ?? SdkContext.DefaultSession, cancellationToken);
    }

    /// <summary>The compiled query with the archived default and the order: everything but the project, which needs a call.</summary>
    private static JsonObject QueryFilter(string query, string? projectName, bool includeArchived)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = QueryCompiler.Compile(query);
        if (projectName is not null && filter.ContainsKey("project"))
        {
            throw new ArgumentException("Give the project either as projectName or as project: in the query, not both.", nameof(projectName));
        }
        // As in ClearML's UI, archived models are left out unless asked for; a query about system
        // tags is left as written, since adding "not archived" to an 'or' of them would change it.
        if (!includeArchived && !filter.ContainsKey("system_tags"))
        {
            filter["system_tags"] = new JsonArray("-archived");
        }
        // "id" breaks ties between models created in the same instant, so pages never overlap.
        filter["order_by"] = new JsonArray("-created", "-id");
        return filter;
    }

    private static async IAsyncEnumerable<Model> ReadQueryAsync(JsonObject filter, string? projectName, int? maxResults, int pageSize,
        ClearMLSession session, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (projectName is not null)
        {
            var projectId = await ProjectDirectory.FindIdAsync(session, projectName, cancellationToken).ConfigureAwait(false)
                ?? throw new ArgumentException($"No project is named '{projectName}'.", nameof(projectName));
            filter["project"] = new JsonArray(projectId);
        }
        // The compiled query is ClearML's get_all fields; the typed request keeps the ones it has no
        // property for (metadata.<key>.value and the other field paths) as its extension data.
        var request = filter.Deserialize(Cairn.Protocol.ClearmlJson.TypeInfo<Cairn.Protocol.Services.GetAllModelsRequest>())
            ?? throw new InvalidOperationException("The compiled query is not a models.get_all request.");
        await foreach (var data in ModelWire.GetAllAsync(session, request, maxResults, cancellationToken, pageSize).ConfigureAwait(false))
        {
            var model = new Model(session, data.Id ?? throw new InvalidOperationException("models.get_all answered a model without an id."));
            model.SetData(data);
            yield return model;
        }
    }
}
