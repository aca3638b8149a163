using Cairn.Session;

namespace Cairn;

/// <summary>A model stored on the server, loaded lazily by id; the base of InputModel and OutputModel.</summary>
public partial class Model
{
    internal Model(ClearMLSession session, string id)
    {
        Session = session;
        Id = id;
    }

    /// <summary>The model id (32 hex characters).</summary>
    public string Id { get; private protected set; }

    internal ClearMLSession Session { get; }
}
