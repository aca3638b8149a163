namespace Cairn.Protocol.Services;

// The projects.* answers outside the project documents, as ClearML's server words them.

/// <summary>
/// <c>projects.delete</c>: what went with the project. Contents are disassociated (moved to the
/// root) unless <c>delete_contents</c> deleted them.
/// </summary>
public sealed record ProjectDeletedResponse(int Deleted, int DisassociatedTasks, int DisassociatedModels, int DeletedModels, int DeletedTasks);

/// <summary><c>projects.get_hyper_parameters</c>: one page of the hyper-parameter names used in projects, unescaped.</summary>
public sealed record HyperParametersResponse(int Total, int Remaining, IReadOnlyList<HyperParameterDto> Parameters);

/// <summary>A hyper-parameter's section and name.</summary>
public sealed record HyperParameterDto(string Section, string Name);

/// <summary><c>projects.get_hyperparam_values</c>: one page of a hyper-parameter's distinct values.</summary>
public sealed record HyperParamValuesResponse(int Total, IReadOnlyList<string> Values);
