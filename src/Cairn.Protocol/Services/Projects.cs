namespace Cairn.Protocol.Services;

public sealed class CreateProjectRequest
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public List<string>? Tags { get; set; }
    public List<string>? SystemTags { get; set; }
    public string? DefaultOutputDestination { get; set; }
}

public sealed record IdResponse(string Id);

public sealed class ProjectRequest
{
    public string? Project { get; set; }
}

public sealed class UpdateProjectRequest
{
    public string? Project { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public List<string>? Tags { get; set; }
    public List<string>? SystemTags { get; set; }
    public string? DefaultOutputDestination { get; set; }
}

public sealed class DeleteProjectRequest
{
    public string? Project { get; set; }
    public bool Force { get; set; }
    public bool DeleteContents { get; set; }
    public bool DeleteExternalArtifacts { get; set; } = true;
}
