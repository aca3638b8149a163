namespace Cairn.Web.Components.Lineage;

/// <summary>What a node of the lineage graph stands for; it decides the node's colour and icon.</summary>
public enum LineageNodeKind
{
    Model,
    ParentModel,
    ChildModel,
    CreatingTask,
    ConsumingTask,
}

/// <summary>One box of the lineage graph: a model or a task, with the page it links to.</summary>
public sealed record LineageNode(LineageNodeKind Kind, string Id, string Name, string? Detail, string Href)
{
    public bool IsTask => Kind is LineageNodeKind.CreatingTask or LineageNodeKind.ConsumingTask;

    public string KindLabel => Kind switch
    {
        LineageNodeKind.Model => "THIS MODEL",
        LineageNodeKind.ParentModel => "PARENT MODEL",
        LineageNodeKind.ChildModel => "CHILD MODEL",
        LineageNodeKind.CreatingTask => "CREATED BY",
        _ => "USED BY",
    };

    public string TestId => Kind switch
    {
        LineageNodeKind.Model => "lineage-model",
        LineageNodeKind.ParentModel => "lineage-parent",
        LineageNodeKind.ChildModel => "lineage-child",
        LineageNodeKind.CreatingTask => "lineage-creating-task",
        _ => "lineage-consumer",
    };
}

/// <summary>
/// Lays the graph out in three columns: where the model came from (parent model, creating task)
/// on the left, the model in the middle, where it went (consuming tasks, child models) on the right.
/// </summary>
public sealed class LineageLayout
{
    public const double NodeWidth = 250;
    public const double NodeHeight = 54;
    public const double RowGap = 16;
    public const double ColumnGap = 130;
    public const double Padding = 12;

    /// <summary>A column shows at most this many nodes; the rest are summed up in the list below the graph.</summary>
    public const int MaxPerColumn = 10;

    public sealed record Placed(LineageNode Node, double X, double Y);

    public sealed record Edge(Placed From, Placed To, string Label);

    public LineageLayout(LineageNode center, IReadOnlyList<LineageNode> upstream, IReadOnlyList<LineageNode> downstream)
    {
        var left = upstream.Take(MaxPerColumn).ToList();
        var right = downstream.Take(MaxPerColumn).ToList();
        HiddenDownstream = downstream.Count - right.Count;
        var rows = Math.Max(1, Math.Max(left.Count, right.Count));
        Height = (Padding * 2) + (rows * NodeHeight) + ((rows - 1) * RowGap) + (HiddenDownstream > 0 ? 24 : 0);
        Width = (Padding * 2) + (NodeWidth * 3) + (ColumnGap * 2);
        var columnHeight = (rows * NodeHeight) + ((rows - 1) * RowGap);

        IReadOnlyList<Placed> Column(IReadOnlyList<LineageNode> nodes, int column)
        {
            var height = (nodes.Count * NodeHeight) + (Math.Max(0, nodes.Count - 1) * RowGap);
            var top = Padding + ((columnHeight - height) / 2);
            var x = Padding + (column * (NodeWidth + ColumnGap));
            return [.. nodes.Select((n, i) => new Placed(n, x, top + (i * (NodeHeight + RowGap))))];
        }

        Center = Column([center], 1)[0];
        Upstream = Column(left, 0);
        Downstream = Column(right, 2);
        Edges =
        [
            .. Upstream.Select(p => new Edge(p, Center, p.Node.Kind == LineageNodeKind.ParentModel ? "parent of" : "created")),
            .. Downstream.Select(p => new Edge(Center, p, p.Node.Kind == LineageNodeKind.ChildModel ? "fine-tuned into" : "input to")),
        ];
    }

    public Placed Center { get; }

    public IReadOnlyList<Placed> Upstream { get; }

    public IReadOnlyList<Placed> Downstream { get; }

    public IReadOnlyList<Edge> Edges { get; }

    public int HiddenDownstream { get; }

    public double Width { get; }

    public double Height { get; }

    /// <summary>A horizontal S-curve from the right side of one node to the left side of the next.</summary>
    public static string Path(Edge edge)
    {
        var x1 = edge.From.X + NodeWidth;
        var y1 = edge.From.Y + (NodeHeight / 2);
        var x2 = edge.To.X - 6;
        var y2 = edge.To.Y + (NodeHeight / 2);
        var mid = (x1 + x2) / 2;
        return FormattableString.Invariant($"M {x1:0.#} {y1:0.#} C {mid:0.#} {y1:0.#}, {mid:0.#} {y2:0.#}, {x2:0.#} {y2:0.#}");
    }
}
