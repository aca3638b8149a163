namespace Cairn.Core.Errors;

/// <summary>
/// A request failed for a reason ClearML has a code for. The one error middleware turns it into
/// the <c>{meta, data}</c> envelope; nothing else formats errors.
/// </summary>
public sealed class CairnException : Exception
{
    public CairnException(ErrorCode error, string? extra = null, IReadOnlyDictionary<string, object?>? data = null, string? text = null)
        : base(FormatMessage(text ?? error.Text, extra, data))
    {
        Error = error;
        ErrorData = data ?? new Dictionary<string, object?>();
    }

    public ErrorCode Error { get; }

    /// <summary>The keyword arguments of the error, returned as <c>meta.error_data</c>.</summary>
    public IReadOnlyDictionary<string, object?> ErrorData { get; }

    public static CairnException Validation(string extra) => new(ErrorCodes.ValidationError, extra);

    public static CairnException MissingFields(params string[] fields) =>
        new(ErrorCodes.MissingRequiredFields, null, new Dictionary<string, object?> { ["missing"] = fields });

    /// <summary>A typed field that the request must carry (jsonmodels' "field is required!").</summary>
    public static CairnException RequiredField(string field) =>
        Validation($"error for field '{field}'. field is required!");

    // ClearML's format: "<default text>[ (<extra>)][: k1=v1, k2=v2]".
    // "text" replaces the default text where ClearML does (e.g. "Project with the same name already exists").
    private static string FormatMessage(string text, string? extra, IReadOnlyDictionary<string, object?>? data)
    {
        var message = string.IsNullOrEmpty(extra) ? text : $"{text} ({extra})";
        if (data is { Count: > 0 })
        {
            message += ": " + string.Join(", ", data.Select(kv => $"{kv.Key}={FormatValue(kv.Value)}"));
        }
        return message;
    }

    private static string FormatValue(object? value) => value switch
    {
        null => "None",
        string s => s,
        System.Collections.IEnumerable items => "(" + string.Join(", ", items.Cast<object?>().Select(FormatValue)) + ")",
        _ => value.ToString() ?? "",
    };
}
