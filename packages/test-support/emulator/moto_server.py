"""The AWS emulator: moto's server, plus the two Step Functions calls terraform makes that moto
5.2.1 lacks (it answers both with HTTP 500, which the provider retries for many minutes).

terraform-provider-aws 5.100 validates a new aws_sfn_state_machine's definition with Step
Functions' ValidateStateMachineDefinition before creating it. moto answers that call with
HTTP 500 (NotImplementedError), which the provider retries with backoff for many minutes and
then fails the apply. This adds the call, checking what the real API checks first (the
definition parses, StartAt names a state, every state has a known Type), and answering in its
shape: {"result": "OK" | "FAIL", "diagnostics": [...], "truncated": false}. It reads a state
machine back with ListStateMachineVersions, which this answers from moto's own published versions.

It adds Application Auto Scaling's tagging calls (ListTagsForResource, TagResource,
UntagResource, and the Tags of RegisterScalableTarget), which moto 5.2.1 lacks: the provider reads
a scalable target's tags after every create, so without them no aws_appautoscaling_target (the
schedule that scales dev to zero, the API autoscaling) could be applied on the emulator.

It also reads S3 bucket policies as S3's HTTPS endpoint would (see `bucket_permission`): moto
5.2.1 ignores the `Bool` condition operator, so the platform's TLS-only statement (`Deny s3:*` when
`aws:SecureTransport` is false) refused every object request, over any transport.

It adds ElastiCache's user groups and serverless caches, which moto 5.2.1 lacks (the scale-out
mode's Redis): see `moto_elasticache.py`.

It gives ECR authorization tokens the expiry real ones have, 12 hours after they are issued
(GetAuthorizationToken's API reference: "The authorization token is valid for 12 hours"). moto
5.2.1 dates every token 2015-01-01, so a client that remembers tokens until they expire (as
amazon-ecr-credential-helper and image-builder do) would never reuse one here.

Usage (as `python3 -m moto.server`): moto_server.py -H 127.0.0.1 -p PORT
"""
import json
import sys
import time

from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.ecr.responses import ECRResponse
from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.s3.models import FakeBucket
from moto.server import main
from moto.stepfunctions.responses import StepFunctionResponse

sys.dont_write_bytecode = True  # no __pycache__ in the repository for the module below
import moto_elasticache  # noqa: E402,F401 (adds the ElastiCache calls when imported)

STATE_TYPES = {"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}


def definition_diagnostics(definition):
    """Errors in an Amazon States Language document, as ValidateStateMachineDefinition lists them."""
    def error(code, message, location):
        return {"severity": "ERROR", "code": code, "message": message, "location": location}

    try:
        document = json.loads(definition)
    except (TypeError, ValueError) as problem:
        return [error("INVALID_JSON_DESCRIPTION", f"the definition is not JSON: {problem}", "/")]
    if not isinstance(document, dict):
        return [error("SCHEMA_VALIDATION_FAILED", "the definition must be an object", "/")]
    states = document.get("States")
    if not isinstance(states, dict) or not states:
        return [error("SCHEMA_VALIDATION_FAILED", "States must be a non-empty object", "/States")]
    problems = []
    if document.get("StartAt") not in states:
        problems.append(error("SCHEMA_VALIDATION_FAILED", f"StartAt names no state: {document.get('StartAt')!r}", "/StartAt"))
    for name, state in states.items():
        kind = state.get("Type") if isinstance(state, dict) else None
        if kind not in STATE_TYPES:
            problems.append(error("SCHEMA_VALIDATION_FAILED", f"unknown state Type: {kind!r}", f"/States/{name}/Type"))
    return problems


def validate_state_machine_definition(self):
    diagnostics = definition_diagnostics(self._get_param("definition"))
    return json.dumps({"result": "FAIL" if diagnostics else "OK", "diagnostics": diagnostics, "truncated": False})


def list_state_machine_versions(self):
    machine = self.stepfunction_backend.describe_state_machine(self._get_param("stateMachineArn"))
    newest_first = sorted(machine.versions.values(), key=lambda v: v.version, reverse=True)
    versions = [{"stateMachineVersionArn": v.arn, "creationDate": v.creation_date} for v in newest_first]
    return ActionResult({"stateMachineVersions": versions})


StepFunctionResponse.validate_state_machine_definition = validate_state_machine_definition
StepFunctionResponse.list_state_machine_versions = list_state_machine_versions

# Scalable target ARN -> {key: value}. ARNs carry account and region, so one map serves every backend.
SCALABLE_TARGET_TAGS = {}
register_scalable_target_untagged = ApplicationAutoScalingResponse.register_scalable_target
deregister_scalable_target_untagged = ApplicationAutoScalingResponse.deregister_scalable_target


def register_scalable_target(self):
    answer = register_scalable_target_untagged(self)
    tags = self._get_param("Tags") or {}
    if tags:
        SCALABLE_TARGET_TAGS.setdefault(json.loads(answer)["ScalableTargetARN"], {}).update(tags)
    return answer


def deregister_scalable_target(self):
    namespace, resource, dimension = (self._get_param(k) for k in ("ServiceNamespace", "ResourceId", "ScalableDimension"))
    gone = [t.arn for t in self.applicationautoscaling_backend.describe_scalable_targets(namespace, [resource], dimension)]
    answer = deregister_scalable_target_untagged(self)
    for arn in gone:
        SCALABLE_TARGET_TAGS.pop(arn, None)
    return answer


def scalable_target_arn(self):
    """The ResourceARN parameter if it names a scalable target of this backend; else AWS's ResourceNotFoundException."""
    arn = self._get_param("ResourceARN")
    for targets in self.applicationautoscaling_backend.targets.values():
        if any(t.arn == arn for t in targets.values()):
            return arn
    raise JsonRESTError("ResourceNotFoundException", f"No scalable target found for {arn}")


def list_tags_for_resource(self):
    return json.dumps({"Tags": SCALABLE_TARGET_TAGS.get(scalable_target_arn(self), {})})


def tag_resource(self):
    SCALABLE_TARGET_TAGS.setdefault(scalable_target_arn(self), {}).update(self._get_param("Tags") or {})
    return json.dumps({})


def untag_resource(self):
    tags = SCALABLE_TARGET_TAGS.get(scalable_target_arn(self), {})
    for key in self._get_param("TagKeys") or []:
        tags.pop(key, None)
    return json.dumps({})


ApplicationAutoScalingResponse.register_scalable_target = register_scalable_target
ApplicationAutoScalingResponse.deregister_scalable_target = deregister_scalable_target
ApplicationAutoScalingResponse.list_tags_for_resource = list_tags_for_resource
ApplicationAutoScalingResponse.tag_resource = tag_resource
ApplicationAutoScalingResponse.untag_resource = untag_resource

get_authorization_token_dated_2015 = ECRResponse.get_authorization_token

# ECR tokens are valid for 12 hours from issue (GetAuthorizationToken, API reference).
ECR_TOKEN_LIFETIME_SECONDS = 12 * 60 * 60


def get_authorization_token(self):
    """moto's answer, with each token expiring 12 hours from now instead of on 2015-01-01."""
    answer = get_authorization_token_dated_2015(self)
    for data in answer.result["authorizationData"]:
        data["expiresAt"] = time.time() + ECR_TOKEN_LIFETIME_SECONDS
    return answer


ECRResponse.get_authorization_token = get_authorization_token


def secure_transport_met(statement):
    """False when the statement is conditioned on `aws:SecureTransport` being false.

    The emulator stands for S3's HTTPS endpoint (clients reach it over plain HTTP only because it
    is local), so `aws:SecureTransport` is true; other conditions are left to moto, as before.
    """
    for operator, values in (statement.get("Condition") or {}).items():
        if operator == "Bool" and "aws:SecureTransport" in values:
            expected = values["aws:SecureTransport"]
            expected = expected if isinstance(expected, list) else [expected]
            if "true" not in [str(value).lower() for value in expected]:
                return False
    return True


def bucket_permission(self, action, resource):
    """moto's FakeBucket.get_permission, where a statement whose condition does not hold does not apply (as in IAM)."""
    if self.policy is None:
        return PermissionResult.NEUTRAL
    statements = json.loads(self.policy).get("Statement", [])
    result = PermissionResult.NEUTRAL
    for statement in statements if isinstance(statements, list) else [statements]:
        if not secure_transport_met(statement):
            continue
        permission = IAMPolicyStatement(statement).is_action_permitted(action, resource)
        if permission == PermissionResult.DENIED:
            return PermissionResult.DENIED
        if permission == PermissionResult.PERMITTED:
            result = PermissionResult.PERMITTED
    return result


FakeBucket.get_permission = bucket_permission


if __name__ == "__main__":
    main()
