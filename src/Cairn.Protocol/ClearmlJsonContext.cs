using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Cairn.Protocol.Services;

namespace Cairn.Protocol;

/// <summary>
/// The source-generated serializer of ClearML's wire contracts, with <see cref="ClearmlJson"/>'s
/// conventions (snake_case names, absent values omitted, ClearML's dates). Trimming- and Native
/// AOT-safe. Internal (its generated members are not API): callers reach it through
/// <see cref="ClearmlJson.Contracts"/> and <see cref="ClearmlJson.TypeInfo{T}"/>.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.General,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters = [typeof(ClearmlDateTimeConverter)])]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(AccessKeyRequest))]
[JsonSerializable(typeof(AddOrUpdateArtifactsRequest))]
[JsonSerializable(typeof(AddOrUpdateMetadataRequest))]
[JsonSerializable(typeof(AddOrUpdateTaskModelRequest))]
[JsonSerializable(typeof(ArchiveTasksRequest))]
[JsonSerializable(typeof(ArtifactRefDto))]
[JsonSerializable(typeof(CloneTaskRequest))]
[JsonSerializable(typeof(CreateCredentialsRequest))]
[JsonSerializable(typeof(CreateCredentialsResponse))]
[JsonSerializable(typeof(CreateModelRequest))]
[JsonSerializable(typeof(CreateProjectRequest))]
[JsonSerializable(typeof(CreateTaskRequest))]
[JsonSerializable(typeof(CredentialInfo))]
[JsonSerializable(typeof(CredentialsResponse))]
[JsonSerializable(typeof(DeleteArtifactsRequest))]
[JsonSerializable(typeof(DeleteConfigurationRequest))]
[JsonSerializable(typeof(DeleteHyperParamsRequest))]
[JsonSerializable(typeof(DeleteMetadataRequest))]
[JsonSerializable(typeof(DeleteModelRequest))]
[JsonSerializable(typeof(DeleteProjectRequest))]
[JsonSerializable(typeof(DeleteTaskModelsRequest))]
[JsonSerializable(typeof(DeleteTaskRequest))]
[JsonSerializable(typeof(EditConfigurationRequest))]
[JsonSerializable(typeof(EditHyperParamsRequest))]
[JsonSerializable(typeof(EditModelRequest))]
[JsonSerializable(typeof(EditTaskRequest))]
[JsonSerializable(typeof(GetAllModelsRequest))]
[JsonSerializable(typeof(GetAllProjectsRequest))]
[JsonSerializable(typeof(GetAllTasksRequest))]
[JsonSerializable(typeof(GetAllUsersRequest))]
[JsonSerializable(typeof(GetCredentialsResponse))]
[JsonSerializable(typeof(GetFrameworksRequest))]
[JsonSerializable(typeof(GetHyperparamValuesRequest))]
[JsonSerializable(typeof(GetModelMetadataKeysRequest))]
[JsonSerializable(typeof(GetModelMetadataValuesRequest))]
[JsonSerializable(typeof(GetModelTagsRequest))]
[JsonSerializable(typeof(GetTaskLogRequest))]
[JsonSerializable(typeof(GetTaskPlotsRequest))]
[JsonSerializable(typeof(GetTaskTypesRequest))]
[JsonSerializable(typeof(GetUniqueMetricVariantsRequest))]
[JsonSerializable(typeof(GetUserByIdRequest))]
[JsonSerializable(typeof(IdResponse))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(LoginResponse))]
[JsonSerializable(typeof(MetadataItemDto))]
[JsonSerializable(typeof(MetadataKeysResponse))]
[JsonSerializable(typeof(MetadataValuesResponse))]
[JsonSerializable(typeof(MetricVariantDto))]
[JsonSerializable(typeof(MetricVariantsResponse))]
[JsonSerializable(typeof(ModelIdsRequest))]
[JsonSerializable(typeof(ModelRequest))]
[JsonSerializable(typeof(MoveModelsRequest))]
[JsonSerializable(typeof(ParamItemDto))]
[JsonSerializable(typeof(ProjectRequest))]
[JsonSerializable(typeof(ResetTaskRequest))]
[JsonSerializable(typeof(ScalarMetricsIterHistogramRequest))]
[JsonSerializable(typeof(SetReadyRequest))]
[JsonSerializable(typeof(SetRequirementsRequest))]
[JsonSerializable(typeof(TagsResponse))]
[JsonSerializable(typeof(TaskBatchRequest))]
[JsonSerializable(typeof(TaskIdsRequest))]
[JsonSerializable(typeof(TaskModelRefDto))]
[JsonSerializable(typeof(TaskRequest))]
[JsonSerializable(typeof(TaskStatusRequest))]
[JsonSerializable(typeof(UpdateForTaskRequest))]
[JsonSerializable(typeof(UpdateModelRequest))]
[JsonSerializable(typeof(UpdateProjectRequest))]
[JsonSerializable(typeof(UpdateTagsRequest))]
[JsonSerializable(typeof(UpdateTaskRequest))]
internal sealed partial class ClearmlJsonContext : JsonSerializerContext;
