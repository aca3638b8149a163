using Cairn.Models;
using Cairn.Protocol.Services;
using Cairn.Session;
using Cairn.Storage;

namespace Cairn;

/// <summary>
/// A model stored on the server; the base of <see cref="InputModel"/> and <see cref="OutputModel"/>.
/// Models come loaded from every factory (<see cref="GetAsync"/>, <see cref="QueryModelsAsync(ModelQuery, ClearMLSession?, CancellationToken)"/>, <see cref="GetModelsAsync"/>,
/// <see cref="InputModel.GetNewestAsync"/>, <see cref="Experiment.Models"/>…), and every edit
/// reloads them, as ClearML's SDK does; properties read that copy without a call.
/// <c>new Model(id)</c> is the one lazy handle: it sends nothing until a method needs the model
/// (the async methods load it themselves); read its properties after <see cref="LoadAsync"/>
/// (<see cref="IsLoaded"/> says whether it was), as they cannot make a call.
/// </summary>
public partial class Model
{
    private ModelDocument? _data;

    internal Model(ClearMLSession session, string id)
    {
        Session = session;
        Id = id;
    }

    /// <summary>
    /// A lazy handle on the model <paramref name="id"/>: nothing is sent until it is loaded (by
    /// <see cref="LoadAsync"/>, or by any async method); its properties throw
    /// <see cref="InvalidOperationException"/> until then. <see cref="GetAsync"/> loads in one step.
    /// </summary>
    /// <param name="id">The model id.</param>
    /// <param name="session">The connection; null for the one made from the configuration (<see cref="SdkContext.DefaultSession"/>).</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty.</exception>
    public Model(string id, ClearMLSession? session = null)
        : this(session ?? SdkContext.DefaultSession, RequireId(id))
    {
    }

    /// <summary>The model id (32 hex characters); empty for an <see cref="OutputModel"/> not yet created on the server.</summary>
    public string Id { get; private protected set; }

    /// <summary>Whether the server's copy has been read.</summary>
    public bool IsLoaded => _data is not null;

    internal ClearMLSession Session { get; }

    internal StorageManager Storage => SdkContext.StorageFor(Session);

    /// <summary>The server's copy, as last read.</summary>
    private protected ModelDocument Data =>
        _data ?? throw new InvalidOperationException($"Model {Id} was made with new Model(id), a lazy handle, and is not loaded yet: await LoadAsync() before reading its properties, or get it loaded from Model.GetAsync / InputModel.GetAsync.");

    /// <summary>Loads the model with <paramref name="id"/>.</summary>
    /// <exception cref="ClearMLRequestException">No such model (400/201), or the call failed.</exception>
    public static async Task<Model> GetAsync(string id, ClearMLSession? session = null, CancellationToken cancellationToken = default)
    {
        var model = new Model(id, session);
        await model.LoadAsync(cancellationToken).ConfigureAwait(false);
        return model;
    }

    /// <summary>Reads the server's copy again (<c>models.get_by_id</c>).</summary>
    /// <exception cref="ClearMLRequestException">No such model (400/201), or the call failed.</exception>
    public virtual async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        _data = await ModelWire.GetAsync(Session, Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Loads the model if it has not been loaded yet.</summary>
    internal async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_data is null)
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A loaded model from a document the caller already has.</summary>
    internal static Model FromDocument(ClearMLSession session, ModelDocument data)
    {
        var model = new Model(session, data.Id!);
        model.SetData(data);
        return model;
    }

    /// <summary>Takes a model document the caller already has (from <c>models.get_all</c>).</summary>
    private protected void SetData(ModelDocument data) => _data = data;

    private protected void ForgetData() => _data = null;

    /// <summary>Takes a newer copy of this model's document read by someone else (the experiment's <c>RefreshAsync</c>).</summary>
    internal void Refreshed(ModelDocument data) => SetData(data);

    private static string RequireId(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return id;
    }
}
