/**
 * One error table for the whole platform. Every failure a client can see carries a
 * stable `code` (`ORCH_<AREA>_<WHAT>`), an HTTP status and a message that is safe to
 * show; the underlying `cause` goes to the log only.
 */
export const ERROR_CODES = {
  ORCH_INTERNAL: { status: 500, message: 'Internal error' },
  ORCH_CONFIG_INVALID: { status: 500, message: 'Invalid configuration' },
  ORCH_CONFIG_UNKNOWN_SCHEME: { status: 500, message: 'Unknown URL scheme' },
  ORCH_CONFIG_SCHEME_EXISTS: { status: 500, message: 'A backend for that URL scheme is already registered' },
  ORCH_API_BAD_REQUEST: { status: 400, message: 'Bad request' },
  ORCH_API_NOT_FOUND: { status: 404, message: 'Not found' },
  ORCH_API_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  ORCH_API_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type' },
  ORCH_API_BODY_TOO_LARGE: { status: 413, message: 'Request body too large' },
  ORCH_API_INVALID_JSON: { status: 400, message: 'Request body is not valid JSON' },
  ORCH_API_CONFLICT: { status: 409, message: 'Conflict' },
  ORCH_API_SHUTTING_DOWN: { status: 503, message: 'The server is shutting down' },
  ORCH_API_HOST_NOT_ALLOWED: { status: 403, message: 'This server does not answer that host name; add it with --allowed-hosts or ORCHARD_ALLOWED_HOSTS' },
  ORCH_AUTH_MISSING_TOKEN: { status: 401, message: 'Authorization: Bearer <token> is required' },
  ORCH_AUTH_INVALID_TOKEN: { status: 401, message: 'The token is invalid, expired or revoked' },
  ORCH_AUTH_BAD_CREDENTIALS: { status: 401, message: 'Wrong user name or password' },
  ORCH_AUTH_FORBIDDEN: { status: 403, message: 'Your role does not allow this' },
  ORCH_AUTH_INVALID_SESSION: { status: 401, message: 'The session has ended or expired; sign in again' },
  ORCH_AUTH_TOO_MANY_ATTEMPTS: { status: 429, message: 'Too many failed sign-ins; try again later' },
  ORCH_AUTH_CSRF: { status: 403, message: 'A write with a session cookie needs the X-Orchard-CSRF header from sign-in' },
  ORCH_USER_NOT_FOUND: { status: 404, message: 'No such user' },
  ORCH_USER_EXISTS: { status: 409, message: 'A user with that name exists' },
  ORCH_USER_INVALID: { status: 400, message: 'Invalid user' },
  ORCH_USER_LAST_ADMIN: { status: 409, message: 'The last active admin cannot be removed or demoted' },
  ORCH_TOKEN_NOT_FOUND: { status: 404, message: 'No such token' },
  ORCH_TOKEN_INVALID: { status: 400, message: 'Invalid token request' },
  ORCH_ACCESS_KEY_NOT_FOUND: { status: 404, message: 'No such access key' },
  ORCH_ACCESS_KEY_INVALID: { status: 400, message: 'Invalid access key request' },
  ORCH_ACCESS_KEY_SECRET_UNREADABLE: { status: 500, message: 'The access key secret cannot be decrypted with this process key (ORCHARD_SECRET_KEY)' },
  ORCH_SIGV4_MALFORMED: { status: 400, message: 'The AWS Signature Version 4 authorization is incomplete or malformed' },
  ORCH_SIGV4_UNKNOWN_KEY: { status: 403, message: 'The access key id is not known' },
  ORCH_SIGV4_KEY_INACTIVE: { status: 403, message: 'The access key is inactive' },
  ORCH_SIGV4_SIGNATURE_MISMATCH: { status: 403, message: 'The request signature we calculated does not match the signature you provided' },
  ORCH_SIGV4_TIME_SKEWED: { status: 403, message: 'The request time is more than 15 minutes away from the server time' },
  ORCH_SIGV4_EXPIRED: { status: 403, message: 'The presigned request has expired' },
  ORCH_SIGV4_PAYLOAD_MISMATCH: { status: 400, message: 'The body does not match the x-amz-content-sha256 it was signed with' },
  ORCH_ARTIFACT_INVALID_KEY: { status: 400, message: 'Invalid artifact key' },
  ORCH_ARTIFACT_NOT_FOUND: { status: 404, message: 'No such artifact' },
  ORCH_ARTIFACT_CHECKSUM_MISMATCH: { status: 500, message: 'Artifact checksum mismatch' },
  ORCH_ARTIFACT_WRITE_FAILED: { status: 500, message: 'Artifact write failed' },
  ORCH_STORAGE_FULL: { status: 507, message: 'The server is out of storage space; free some and retry' },
  ORCH_METADATA_UNAVAILABLE: { status: 503, message: 'Metadata store unavailable' },
  ORCH_DATASET_INVALID_NAME: { status: 400, message: 'Invalid dataset name' },
  ORCH_DATASET_NOT_FOUND: { status: 404, message: 'No such dataset' },
  ORCH_DATASET_INVALID_FORMAT: { status: 400, message: 'Unsupported dataset format' },
  ORCH_DATASET_EMPTY: { status: 400, message: 'The file is empty' },
  ORCH_DATASET_NO_ROWS: { status: 400, message: 'The file has a header but no rows' },
  ORCH_DATASET_NUL_BYTE: { status: 400, message: 'The file contains NUL bytes' },
  ORCH_DATASET_INVALID_UTF8: { status: 400, message: 'The file is not valid UTF-8' },
  ORCH_DATASET_MALFORMED: { status: 400, message: 'The file could not be parsed' },
  ORCH_DATASET_LINE_TOO_LONG: { status: 400, message: 'A line is longer than the limit' },
  ORCH_DATASET_DUPLICATE_COLUMN: { status: 400, message: 'Duplicate column names' },
  ORCH_DATASET_TOO_LARGE: { status: 413, message: 'The upload is larger than the limit' },
  ORCH_DATASET_UPLOAD_INCOMPLETE: { status: 400, message: 'The upload ended before all bytes arrived' },
  ORCH_DATASET_DELETED: { status: 410, message: 'The dataset version is deleted' },
  ORCH_DATASET_INVALID: { status: 400, message: 'Invalid dataset request' },
  ORCH_DATASET_CONFLICT: { status: 409, message: 'The dataset changed during the request; try again' },
  ORCH_QUERY_INVALID: { status: 400, message: 'Invalid SQL' },
  ORCH_QUERY_NOT_READ_ONLY: { status: 400, message: 'Only a single SELECT statement is allowed' },
  ORCH_QUERY_FORBIDDEN: { status: 403, message: 'The query may read only datasets by name' },
  ORCH_QUERY_UNKNOWN_DATASET: { status: 404, message: 'The query names an unknown dataset' },
  ORCH_QUERY_FAILED: { status: 400, message: 'The query failed' },
  ORCH_QUERY_TIMEOUT: { status: 408, message: 'The query took too long' },
  ORCH_ALGORITHM_UNKNOWN: { status: 400, message: 'Unknown algorithm' },
  ORCH_ALGORITHM_EXISTS: { status: 500, message: 'An algorithm with that name is already registered' },
  ORCH_HYPERPARAMETER_UNKNOWN: { status: 400, message: 'Unknown hyperparameter' },
  ORCH_HYPERPARAMETER_INVALID: { status: 400, message: 'Invalid hyperparameter value' },
  ORCH_HYPERPARAMETER_MISSING: { status: 400, message: 'A required hyperparameter is missing' },
  ORCH_TRAINING_CHANNEL_MISSING: { status: 400, message: 'A required input channel is missing' },
  ORCH_TRAINING_DATA_INVALID: { status: 400, message: 'The training data is not usable' },
  ORCH_TRAINING_INVALID: { status: 400, message: 'Invalid training job' },
  ORCH_TRAINING_SOURCE_INVALID: { status: 400, message: 'The script source archive is not usable' },
  ORCH_TRAINING_EXISTS: { status: 409, message: 'A training job with that name exists' },
  ORCH_MODEL_INVALID: { status: 400, message: 'The model artifact is not usable' },
  ORCH_MODEL_INVALID_NAME: { status: 400, message: 'Invalid model name' },
  ORCH_MODEL_NOT_FOUND: { status: 404, message: 'No such model' },
  ORCH_MODEL_EXISTS: { status: 409, message: 'A model with that name exists' },
  ORCH_MODEL_SOURCE_INVALID: { status: 400, message: 'The model source is not usable' },
  ORCH_MODEL_IN_USE: { status: 409, message: 'The model is in use' },
  ORCH_MODEL_EXPORT_UNSUPPORTED: { status: 400, message: 'The model cannot be exported to that format' },
  ORCH_MODEL_INPUT_INVALID: { status: 400, message: 'The rows do not fit the model' },
  ORCH_ONNX_RUNTIME_UNAVAILABLE: { status: 503, message: 'The ONNX runtime could not be loaded' },
  ORCH_REGISTRY_INVALID_NAME: { status: 400, message: 'Invalid model package group name' },
  ORCH_REGISTRY_GROUP_NOT_FOUND: { status: 404, message: 'No such model package group' },
  ORCH_REGISTRY_VERSION_NOT_FOUND: { status: 404, message: 'No such model package version' },
  ORCH_REGISTRY_GROUP_NOT_EMPTY: { status: 409, message: 'The model package group still has versions' },
  ORCH_REGISTRY_INVALID: { status: 400, message: 'Invalid model package request' },
  ORCH_TRANSFORM_NOT_FOUND: { status: 404, message: 'No such transform job' },
  ORCH_TRANSFORM_EXISTS: { status: 409, message: 'A transform job with that name exists' },
  ORCH_TRANSFORM_INVALID: { status: 400, message: 'Invalid transform job' },
  ORCH_TRANSFORM_DATA_INVALID: { status: 400, message: 'The input rows are not usable by the model' },
  ORCH_PROCESSING_NOT_FOUND: { status: 404, message: 'No such processing job' },
  ORCH_PROCESSING_EXISTS: { status: 409, message: 'A processing job with that name exists' },
  ORCH_PROCESSING_INVALID: { status: 400, message: 'Invalid processing job' },
  ORCH_PROCESSING_SOURCE_INVALID: { status: 400, message: 'The script source archive is not usable' },
  ORCH_PROCESSING_OUTPUT_OUTSIDE: { status: 400, message: 'The script wrote outside its output folders' },
  ORCH_PROCESSING_OUTPUT_INVALID: { status: 400, message: 'An output folder cannot become what it names' },
  ORCH_RECIPE_NOT_FOUND: { status: 404, message: 'No such recipe' },
  ORCH_RECIPE_EXISTS: { status: 409, message: 'A recipe with that name exists' },
  ORCH_RECIPE_IN_USE: { status: 409, message: 'The recipe has fit or apply jobs running' },
  ORCH_RECIPE_FIT_NOT_FOUND: { status: 404, message: 'No such recipe fit' },
  ORCH_RECIPE_JOB_NOT_FOUND: { status: 404, message: 'No such recipe job' },
  ORCH_RECIPE_JOB_EXISTS: { status: 409, message: 'A recipe job with that name exists' },
  ORCH_RECIPE_JOB_INVALID: { status: 400, message: 'Invalid recipe job' },
  ORCH_ENDPOINT_NOT_FOUND: { status: 404, message: 'No such endpoint' },
  ORCH_ENDPOINT_EXISTS: { status: 409, message: 'An endpoint with that name exists' },
  ORCH_ENDPOINT_INVALID: { status: 400, message: 'Invalid endpoint configuration' },
  ORCH_ENDPOINT_INVALID_STATE: { status: 409, message: 'The endpoint is not in a state that allows this' },
  ORCH_ENDPOINT_NOT_IN_SERVICE: { status: 503, message: 'The endpoint is not in service' },
  ORCH_ENDPOINT_VARIANT_NOT_FOUND: { status: 400, message: 'The endpoint has no such variant' },
  ORCH_ENDPOINT_BAD_INPUT: { status: 400, message: 'The request rows are not usable by the model' },
  ORCH_ENDPOINT_UNSUPPORTED_ACCEPT: { status: 406, message: 'The Accept type is not supported' },
  ORCH_ENDPOINT_THROTTLED: { status: 429, message: 'The endpoint is at capacity; retry after the given seconds' },
  ORCH_ENDPOINT_INSTANCE_FAILED: { status: 503, message: 'The model server failed; retry shortly' },
  ORCH_ENDPOINT_MODEL_TIMEOUT: { status: 504, message: 'The model did not answer in time' },
  ORCH_ENDPOINT_MODEL_ERROR: { status: 500, message: 'The model failed' },
  ORCH_ENDPOINT_UNSUPPORTED_CONTENT_TYPE: { status: 415, message: 'The Content-Type is not supported' },
  ORCH_ENDPOINT_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is larger than the model server accepts' },
  ORCH_ENDPOINT_METHOD_NOT_ALLOWED: { status: 405, message: 'The model server answers GET /ping and POST /invocations' },
  ORCH_ENDPOINT_ROUTE_NOT_FOUND: { status: 404, message: 'The model server answers GET /ping and POST /invocations' },
  ORCH_EXPERIMENT_NOT_FOUND: { status: 404, message: 'No such experiment' },
  ORCH_EXPERIMENT_INVALID: { status: 400, message: 'Invalid experiment request' },
  ORCH_EXPERIMENT_INVALID_QUERY: { status: 400, message: 'The run filter or sort cannot be read' },
  ORCH_EXPERIMENT_EXISTS: { status: 409, message: 'An experiment with that name exists' },
  ORCH_TUNING_NOT_FOUND: { status: 404, message: 'No such tuning job' },
  ORCH_TUNING_INVALID: { status: 400, message: 'Invalid tuning job' },
  ORCH_TUNING_EXISTS: { status: 409, message: 'A tuning job with that name exists' },
  ORCH_AUTOML_INVALID: { status: 400, message: 'Invalid AutoML job' },
  ORCH_AUTOML_NOT_FOUND: { status: 404, message: 'No such AutoML job' },
  ORCH_AUTOML_EXISTS: { status: 409, message: 'An AutoML job with that name exists' },
  ORCH_AUTOML_BUDGET_TOO_SMALL: { status: 400, message: 'The runtime budget cannot fit one candidate' },
  ORCH_AUTOML_TARGET_MISSING: { status: 400, message: 'The dataset has no such target column' },
  ORCH_AUTOML_TARGET_CONSTANT: { status: 400, message: 'The target column has a single value' },
  ORCH_AUTOML_TARGET_INVALID: { status: 400, message: 'The target column does not fit the problem type' },
  ORCH_AUTOML_TOO_FEW_ROWS: { status: 400, message: 'Too few rows (or rows per class) to train and validate' },
  ORCH_AUTOML_NO_FEATURES: { status: 400, message: 'The dataset has no usable feature column' },
  ORCH_AUTOML_REPORT_NOT_FOUND: { status: 404, message: 'That report of the AutoML job is not written yet' },
  ORCH_DATA_QUALITY_NOT_FOUND: { status: 404, message: 'No such data-quality report' },
  ORCH_DATA_QUALITY_INVALID: { status: 400, message: 'Invalid data-quality report request' },
  ORCH_DATA_QUALITY_TARGET_MISSING: { status: 400, message: 'The dataset has no such target column' },
  ORCH_DATA_QUALITY_TARGET_INVALID: { status: 400, message: 'The target column does not fit the problem type' },
  ORCH_FORECAST_INVALID: { status: 400, message: 'Invalid forecast request' },
  ORCH_FORECAST_GROUP_NOT_FOUND: { status: 404, message: 'No such dataset group' },
  ORCH_FORECAST_GROUP_EXISTS: { status: 409, message: 'A dataset group with that name exists' },
  ORCH_FORECAST_IMPORT_NOT_FOUND: { status: 404, message: 'No such dataset import' },
  ORCH_FORECAST_PREDICTOR_NOT_FOUND: { status: 404, message: 'No such predictor' },
  ORCH_FORECAST_PREDICTOR_EXISTS: { status: 409, message: 'A predictor with that name exists' },
  ORCH_FORECAST_NOT_FOUND: { status: 404, message: 'No such forecast' },
  ORCH_FORECAST_EXISTS: { status: 409, message: 'A forecast with that name exists' },
  ORCH_FORECAST_IN_USE: { status: 409, message: 'Other forecast resources depend on it' },
  ORCH_FORECAST_NOT_ACTIVE: { status: 409, message: 'The resource it needs is not active' },
  ORCH_FORECAST_ITEM_NOT_FOUND: { status: 404, message: 'The forecast has no such item' },
  ORCH_FORECAST_COLUMN_MISSING: { status: 400, message: 'The dataset lacks a column the import needs' },
  ORCH_FORECAST_TIMESTAMP_INVALID: { status: 400, message: 'Timestamps that cannot be parsed' },
  ORCH_FORECAST_FREQUENCY_MISMATCH: { status: 400, message: "Timestamps off the dataset group's frequency" },
  ORCH_FORECAST_DUPLICATE_ROWS: { status: 400, message: 'Duplicate (item, timestamp) rows' },
  ORCH_FORECAST_VALUE_INVALID: { status: 400, message: 'Values that are not numbers' },
  ORCH_FORECAST_RELATED_SHORT: { status: 400, message: 'Related time series stop before the forecast horizon' },
  ORCH_FORECAST_NEGATIVE_VALUES: { status: 400, message: 'Negative target values the likelihood forbids' },
  ORCH_FORECAST_ALGORITHM_UNAVAILABLE: { status: 400, message: 'The forecasting algorithm is not available' },
  ORCH_FORECAST_HISTORY_SHORT: { status: 400, message: 'The history is too short for the horizon and backtest windows' },
  ORCH_PIPELINE_INVALID: { status: 400, message: 'Invalid pipeline definition' },
  ORCH_PIPELINE_NOT_FOUND: { status: 404, message: 'No such pipeline' },
  ORCH_PIPELINE_EXISTS: { status: 409, message: 'A pipeline with that name exists' },
  ORCH_PIPELINE_IN_USE: { status: 409, message: 'The pipeline has executions that have not ended' },
  ORCH_PIPELINE_VERSION_DELETED: { status: 409, message: 'That pipeline version is deleted' },
  ORCH_PIPELINE_PARAMETER_INVALID: { status: 400, message: 'A pipeline parameter is unknown or of the wrong type' },
  ORCH_PIPELINE_EXECUTION_NOT_FOUND: { status: 404, message: 'No such pipeline execution' },
  ORCH_PIPELINE_EXECUTION_ENDED: { status: 409, message: 'The execution has ended' },
  ORCH_PIPELINE_NOT_WAITING: { status: 409, message: 'The step is not waiting for an approval' },
  ORCH_PIPELINE_STEP_FAILED: { status: 500, message: 'A pipeline step failed' },
  ORCH_PIPELINE_STEP_TIMEOUT: { status: 500, message: 'A pipeline step ran past its timeout' },
  ORCH_ALARM_INVALID: { status: 400, message: 'Invalid alarm' },
  ORCH_ALARM_NOT_FOUND: { status: 404, message: 'No such alarm' },
  ORCH_ALARM_EXISTS: { status: 409, message: 'An alarm with that name exists' },
  ORCH_ALARM_DISABLED: { status: 409, message: 'The alarm is disabled' },
  ORCH_TRIGGER_INVALID: { status: 400, message: 'Invalid trigger' },
  ORCH_TRIGGER_NOT_FOUND: { status: 404, message: 'No such trigger' },
  ORCH_TRIGGER_EXISTS: { status: 409, message: 'A trigger with that name exists' },
  ORCH_DEBUGGER_RULE_INVALID: { status: 400, message: 'Invalid Debugger rule' },
  ORCH_DEBUGGER_PROFILE_NOT_FOUND: { status: 404, message: 'No profile for that training job' },
  ORCH_WEBHOOK_INVALID: { status: 400, message: 'Invalid webhook' },
  ORCH_WEBHOOK_NOT_FOUND: { status: 404, message: 'No such webhook' },
  ORCH_WEBHOOK_EXISTS: { status: 409, message: 'A webhook with that name exists' },
  ORCH_WEBHOOK_ADDRESS_REFUSED: { status: 403, message: 'The webhook target address is not allowed; an admin may add it with `orchard webhooks allow add`' },
  ORCH_WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, message: 'No such webhook delivery' },
  ORCH_WEBHOOK_DISABLED: { status: 409, message: 'The webhook is disabled' },
  ORCH_WEBHOOK_SECRET_UNREADABLE: { status: 500, message: 'The webhook secret cannot be decrypted with this process key (ORCHARD_SECRET_KEY)' },
  ORCH_RECIPE_INVALID: { status: 400, message: 'Invalid recipe' },
  ORCH_RECIPE_COLUMN_MISSING: { status: 400, message: 'A recipe step names a column the data does not have' },
  ORCH_RECIPE_UNKNOWN_CATEGORY: { status: 400, message: 'A value was not seen when the recipe was fitted' },
  ORCH_DASHBOARD_INVALID: { status: 400, message: 'Invalid dashboard definition' },
  ORCH_DASHBOARD_NOT_FOUND: { status: 404, message: 'No such dashboard' },
  ORCH_DASHBOARD_EXISTS: { status: 409, message: 'A dashboard with that name exists' },
  ORCH_DASHBOARD_CHART_NOT_FOUND: { status: 404, message: 'The dashboard has no such chart' },
  ORCH_DASHBOARD_FILTER_INVALID: { status: 400, message: 'Invalid filter selection' },
  ORCH_CRAWLER_NOT_FOUND: { status: 404, message: 'No such crawler' },
  ORCH_CRAWLER_EXISTS: { status: 409, message: 'A crawler with that name exists' },
  ORCH_CRAWLER_INVALID: { status: 400, message: 'Invalid crawler' },
  ORCH_CRAWLER_SOURCE_FORBIDDEN: { status: 403, message: 'The crawler source is outside what an admin allows (ORCHARD_CRAWLER_ROOTS, ORCHARD_CRAWLER_BUCKETS)' },
  ORCH_CRAWLER_SOURCE_NOT_FOUND: { status: 404, message: 'The crawler source does not exist' },
  ORCH_CRAWLER_SOURCE_UNREADABLE: { status: 502, message: 'The crawler source could not be read' },
  ORCH_CRAWLER_RUNNING: { status: 409, message: 'The crawler has a run in progress' },
  ORCH_CRAWLER_RUN_NOT_FOUND: { status: 404, message: 'No such crawler run' },
  ORCH_METRICS_INVALID: { status: 400, message: 'Invalid metrics query' },
  ORCH_METRICS_NOT_FOUND: { status: 404, message: 'No such endpoint or job to read metrics of' },
  ORCH_QUEUE_UNAVAILABLE: { status: 503, message: 'Job queue unavailable' },
  ORCH_JOB_NOT_FOUND: { status: 404, message: 'No such job' },
  ORCH_JOB_INVALID: { status: 400, message: 'Invalid job request' },
  ORCH_JOB_LEASE_LOST: { status: 409, message: 'The job lease was lost' },
  ORCH_JOB_INVALID_STATE: { status: 409, message: 'The job is not in a state that allows this' },
  ORCH_MONITOR_GROUND_TRUTH_INVALID: { status: 400, message: 'Invalid ground-truth records' },
  ORCH_MONITOR_GROUND_TRUTH_UNKNOWN: { status: 400, message: 'The ground truth names inference ids the endpoint has not captured' },
  ORCH_MONITOR_MODEL_QUALITY_INVALID: { status: 400, message: 'Invalid model-quality request' },
  ORCH_MONITOR_MODEL_QUALITY_NOT_FOUND: { status: 404, message: 'No such model-quality execution' },
  ORCH_MONITOR_INVALID: { status: 400, message: 'Invalid Model Monitor request' },
  ORCH_MONITOR_BASELINE_NOT_FOUND: { status: 404, message: 'No such monitoring baseline' },
  ORCH_MONITOR_BASELINE_EXISTS: { status: 409, message: 'A monitoring baseline with that name exists' },
  ORCH_MONITOR_BASELINE_NOT_READY: { status: 409, message: 'The monitoring baseline has not completed' },
  ORCH_MONITOR_BASELINE_IN_USE: { status: 409, message: 'A monitoring schedule uses this baseline' },
  ORCH_MONITOR_DATASET_EMPTY: { status: 400, message: 'The dataset has no rows to baseline' },
  ORCH_MONITOR_DATASET_NOT_FOUND: { status: 404, message: 'No such dataset to baseline' },
  ORCH_MONITOR_SCHEDULE_NOT_FOUND: { status: 404, message: 'No such monitoring schedule' },
  ORCH_MONITOR_SCHEDULE_EXISTS: { status: 409, message: 'A monitoring schedule with that name exists' },
  ORCH_MONITOR_ENDPOINT_NOT_FOUND: { status: 404, message: 'No such endpoint to monitor' },
  ORCH_MONITOR_CAPTURE_DISABLED: { status: 400, message: 'The endpoint does not capture data; create or update it with a capture percent above 0' },
  ORCH_MONITOR_EXECUTION_NOT_FOUND: { status: 404, message: 'No such monitoring execution' },
  ORCH_LABELING_INVALID: { status: 400, message: 'Invalid labeling input' },
  ORCH_LABELING_NOT_FOUND: { status: 404, message: 'No such labeling job' },
  ORCH_LABELING_EXISTS: { status: 409, message: 'A labeling job with that name exists' },
  ORCH_LABELING_ITEM_NOT_FOUND: { status: 404, message: 'No such item in the labeling job' },
  ORCH_LABELING_LEASE: { status: 409, message: 'The caller holds no lease on that item' },
  ORCH_LABELING_NOT_RUNNING: { status: 409, message: 'The labeling job no longer takes answers' },
  ORCH_LABELING_WORKFORCE: { status: 400, message: 'Fewer labelers than annotators per item' },
  ORCH_LABELING_SOURCE_MISSING: { status: 400, message: 'An item of the manifest points at no stored object' },
  ORCH_LABELING_IMAGE_INVALID: { status: 400, message: 'An item of the manifest is not a PNG or JPEG image' },
  ORCH_LABELING_ANSWER_INVALID: { status: 400, message: 'The answer does not fit the task' },
  ORCH_LABELING_ADJUST_INVALID: { status: 400, message: 'An item of the manifest holds no label of the task’s shape to adjust' },
  ORCH_LABELING_TEAM_NOT_FOUND: { status: 404, message: 'No such labeling team' },
  ORCH_LABELING_TEAM_EXISTS: { status: 409, message: 'A labeling team with that name exists' },
  ORCH_LABELING_TEAM_IN_USE: { status: 409, message: 'A labeling job that has not ended needs the team as it is' },
  ORCH_LABELING_NOT_TEAM_MEMBER: { status: 403, message: 'The labeling job is for a team the caller is not a member of' },
  ORCH_REVIEW_INVALID: { status: 400, message: 'Invalid human review input' },
  ORCH_REVIEW_FLOW_NOT_FOUND: { status: 404, message: 'No such flow definition' },
  ORCH_REVIEW_FLOW_EXISTS: { status: 409, message: 'A flow definition with that name exists' },
  ORCH_REVIEW_ENDPOINT_TAKEN: { status: 409, message: 'Another flow definition reviews that endpoint' },
  ORCH_REVIEW_LOOP_NOT_FOUND: { status: 404, message: 'No such human loop' },
  ORCH_REVIEW_LOOP_EXISTS: { status: 409, message: 'A human loop with that name exists' },
  ORCH_REVIEW_LEASE: { status: 409, message: 'The caller holds no lease on that human loop' },
  ORCH_REVIEW_NOT_IN_PROGRESS: { status: 409, message: 'The human loop no longer takes answers' },
  ORCH_REVIEW_NOT_IN_WORKFORCE: { status: 403, message: 'The caller is not in the flow definition’s workforce' },
  ORCH_REVIEW_ANSWER_INVALID: { status: 400, message: 'The answer does not fit the review task' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface OrchardErrorOptions {
  /** Safe-to-show message; defaults to the table's message for the code. */
  message?: string;
  /** Underlying error, logged but never sent to a client. */
  cause?: unknown;
  /** Extra fields a client may use (e.g. the offending parameter). */
  details?: Record<string, unknown>;
}

export class OrchardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, options: OrchardErrorOptions = {}) {
    super(options.message ?? ERROR_CODES[code].message, { cause: options.cause });
    this.name = 'OrchardError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

export function isOrchardError(err: unknown): err is OrchardError {
  return err instanceof OrchardError;
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** One problem of a request, as `details.errors` of an {@link errorOfProblems} error lists it. */
export interface RequestProblem {
  /** What the problem is about: a hyperparameter's name, `channels.train`, … */
  field: string;
  code: ErrorCode;
  message: string;
  /** Details of this problem alone (a range, the allowed values); not listed in `errors`. */
  details?: Record<string, unknown>;
}

/**
 * One error for every problem of a request, so a client fixes them all in one go: the
 * first problem's code, status and details, all messages joined by `; `, and
 * `details.errors`: one `{ field, code, message }` per problem.
 */
export function errorOfProblems(problems: readonly RequestProblem[]): OrchardError {
  if (problems.length === 0) throw new Error('errorOfProblems needs at least one problem');
  const [first] = problems;
  return new OrchardError(first.code, {
    message: problems.map((p) => p.message).join('; '),
    details: { ...first.details, errors: problems.map(({ field, code, message }) => ({ field, code, message })) },
  });
}
