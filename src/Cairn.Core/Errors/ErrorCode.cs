namespace Cairn.Core.Errors;

/// <summary>One entry of ClearML's error table: HTTP result code, subcode, name and default text.</summary>
public sealed record ErrorCode(int Code, int Subcode, string Name, string Text);

/// <summary>
/// The subset of ClearML's <c>errors.conf</c> that Cairn raises. Codes, subcodes and default
/// texts match the reference server so clients that switch on them keep working.
/// </summary>
public static class ErrorCodes
{
    public static readonly ErrorCode NotSupported = new(301, 1, "not_supported", "this api is not supported anymore");
    public static readonly ErrorCode EndpointNotSupported = new(400, 1, "not_supported", "endpoint is not supported");
    public static readonly ErrorCode MalformedRequest = new(400, 0, "", "Bad request");
    public static readonly ErrorCode InvalidHeaders = new(400, 5, "invalid_headers", "Invalid headers");
    public static readonly ErrorCode MissingRequiredFields = new(400, 11, "missing_required_fields", "Missing required fields");
    public static readonly ErrorCode ValidationError = new(400, 12, "validation_error", "Validation error");
    public static readonly ErrorCode InvalidFields = new(400, 14, "invalid_fields", "Fields not defined for object");
    public static readonly ErrorCode FieldsValueError = new(400, 16, "fields_value_error", "Invalid value for fields");
    public static readonly ErrorCode InvalidRegex = new(400, 21, "invalid_regex_error", "Malformed regular expression");
    public static readonly ErrorCode InvalidScrollId = new(400, 1104, "invalid_scroll_id", "Invalid scroll id");
    public static readonly ErrorCode InvalidTaskId = new(400, 101, "invalid_task_id", "invalid task id");
    public static readonly ErrorCode InvalidTaskStatus = new(400, 110, "invalid_task_status", "invalid task status");
    public static readonly ErrorCode FailedChangingTaskStatus = new(400, 121, "failed_changing_task_status", "failed changing task status. probably someone changed it before you");
    public static readonly ErrorCode TaskCannotBeDeleted = new(400, 123, "task_cannot_be_deleted", "task cannot be deleted");
    public static readonly ErrorCode MissingTaskFields = new(400, 122, "missing_task_fields", "task is missing expected fields");
    public static readonly ErrorCode InvalidModelId = new(400, 201, "invalid_model_id", "invalid model id");
    public static readonly ErrorCode ModelIsReady = new(400, 203, "model_is_ready", "model is ready");
    public static readonly ErrorCode ModelInUse = new(400, 205, "model_in_use", "model is used by tasks");
    public static readonly ErrorCode ModelCreatingTaskExists = new(400, 206, "model_creating_task_exists", "task that created this model exists");
    public static readonly ErrorCode InvalidAccessKey = new(400, 75, "invalid_access_key", "Access key not found");
    public static readonly ErrorCode InvalidUser = new(400, 300, "invalid_user", "Invalid user");
    public static readonly ErrorCode InvalidUserId = new(400, 301, "invalid_user_id", "Invalid user id");
    public static readonly ErrorCode InvalidProjectId = new(400, 401, "invalid_project_id", "Invalid project id");
    public static readonly ErrorCode ProjectHasTasks = new(400, 402, "project_has_tasks", "Project has associated tasks");
    public static readonly ErrorCode ProjectHasModels = new(400, 405, "project_has_models", "Project has associated models");
    public static readonly ErrorCode InvalidProjectName = new(400, 407, "invalid_project_name", "Invalid project name");
    public static readonly ErrorCode CannotUpdateProjectLocation = new(400, 408, "cannot_update_project_location", "Cannot update project location. use projects.move instead");
    public static readonly ErrorCode ProjectPathExceedsMax = new(400, 409, "project_path_exceeds_max", "Project path exceed the maximum allowed depth");
    public static readonly ErrorCode PublicProjectExists = new(400, 414, "public_project_exists", "Cannot create project. public project with the same name already exists");
    public static readonly ErrorCode DataValidationError = new(400, 800, "data_validation_error", "Data validation error");
    public static readonly ErrorCode ExpectedUniqueData = new(400, 801, "expected_unique_data", "Value combination already exists (unique field already contains this value)");
    public static readonly ErrorCode BadAuthType = new(401, 10, "bad_auth_type", "Unauthorized (bad authentication header type)");
    public static readonly ErrorCode NoCredentials = new(401, 20, "no_credentials", "Unauthorized (missing credentials)");
    public static readonly ErrorCode BadCredentials = new(401, 21, "bad_credentials", "Unauthorized (malformed credentials)");
    public static readonly ErrorCode InvalidCredentials = new(401, 22, "invalid_credentials", "Unauthorized (invalid credentials)");
    public static readonly ErrorCode InvalidToken = new(401, 30, "invalid_token", "Invalid token");
    public static readonly ErrorCode RoleNotAllowed = new(403, 20, "role_not_allowed", "Forbidden (not allowed for role)");
    public static readonly ErrorCode NoWritePermission = new(403, 21, "no_write_permission", "Forbidden (modification not allowed)");
    public static readonly ErrorCode EndpointNotFound = new(404, 0, "", "Unable to find endpoint");
    // Not in ClearML's table: an oversized body is rejected by the proxy in front of ClearML.
    public static readonly ErrorCode RequestTooLarge = new(413, 0, "request_too_large", "Request body too large");
    // Not in ClearML's table: ClearML does not limit failed sign-ins. The SDK retries 429 with backoff.
    public static readonly ErrorCode TooManyFailedLogins = new(429, 0, "too_many_failed_logins", "Too many failed authentication attempts");
    public static readonly ErrorCode UnsupportedMediaType = new(415, 0, "", "Unsupported media type");
    // Not in ClearML's table: ClearML's own database outages surface from its proxy as 502/503.
    // The SDKs retry 503 (api.http.retries), so a call made while the database is away succeeds once it is back.
    public static readonly ErrorCode StoreUnavailable = new(503, 0, "service_unavailable", "Service unavailable");
    public static readonly ErrorCode GeneralError = new(500, 0, "general_error", "General error");
    public static readonly ErrorCode InternalError = new(500, 1, "internal_error", "Internal error");
}
