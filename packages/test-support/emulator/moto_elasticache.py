"""ElastiCache calls moto 5.2.1 lacks: user groups and serverless caches (the scale-out mode's Redis).

terraform-provider-aws 5.100 creates an aws_elasticache_user_group (CreateUserGroup, then
DescribeUserGroups until `active`, ListTagsForResource) and an aws_elasticache_serverless_cache
(CreateServerlessCache, DescribeServerlessCaches until `available`, ListTagsForResource); moto
5.2.1 has neither, and its tagging calls refuse their ARNs. This adds the eight calls in the
ElastiCache Query API's shapes (moto serializes the dicts below through botocore's model of the
API, so the XML carries the API reference's element names), with the real service's first checks:

- a user group holds a user named `default` (DefaultUserRequired; CloudFormation's
  AWS::ElastiCache::UserGroup: "A user named default must be included"), its users exist
  (UserNotFound) and have distinct names (DuplicateUserName);
- a `valkey` user group holds only users that authenticate (password or IAM): the ElastiCache
  guide's RBAC page, "A user group configured for the VALKEY engine can only contain users who are
  using an authentication mechanism (either password or IAM)" (InvalidParameterValue);
- a user group in use by a cache cannot be deleted (InvalidUserGroupState), and a cache, or a
  replication group (moto stores its UserGroupIds unchecked), names a user group that exists
  (UserGroupNotFound); a serverless cache's subnets exist (InvalidSubnet).

Status changes are immediate: a group is `active` and a cache `available` when created; a deleted
one answers `deleting` once and is gone (its Describe answers the NotFound fault terraform waits for).
"""
import random
import string

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ec2.models import ec2_backends
from moto.elasticache.exceptions import ElastiCacheException, InvalidSubnet, UserNotFound
from moto.elasticache.models import ElastiCacheBackend
from moto.elasticache.responses import ElastiCacheResponse
from moto.utilities.utils import get_partition

ENGINES = {"redis", "valkey"}
# What a new serverless cache runs when MajorEngineVersion is not given, and the full version of each major.
DEFAULT_MAJOR = {"redis": "7", "valkey": "8"}
FULL_VERSION = {"6": "6.2", "7": "7.1", "8": "8.0", "7.2": "7.2"}


def fault(code, message):
    """An ElastiCache error with the wire code of the API model (e.g. UserGroupNotFound, HTTP 404)."""
    # moto finds an error's model by the module of its class: ElastiCache's.
    return type(code, (ElastiCacheException,), {"code": code, "message": message, "__module__": ElastiCacheException.__module__})()


def stores(backend):
    """This backend's user groups and serverless caches (kept on the backend, so moto's reset clears them)."""
    if not hasattr(backend, "user_groups"):
        backend.user_groups = {}
        backend.serverless_caches = {}
    return backend.user_groups, backend.serverless_caches


def arn(backend, kind, name):
    return f"arn:{get_partition(backend.region_name)}:elasticache:{backend.region_name}:{backend.account_id}:{kind}:{name}"


def user_group_view(backend, group):
    """A UserGroup element; the caches that use it are read from the backend, as ElastiCache reports them."""
    _, caches = stores(backend)
    return {
        **group,
        "ReplicationGroups": sorted(rg_id for rg_id, rg in backend.replication_groups.items() if group["UserGroupId"] in (rg.user_group_ids or [])),
        "ServerlessCaches": sorted(name for name, cache in caches.items() if cache.get("UserGroupId") == group["UserGroupId"]),
    }


def find_user_group(backend, group_id):
    groups, _ = stores(backend)
    if group_id not in groups:
        raise fault("UserGroupNotFound", f"User group {group_id} not found.")
    return groups[group_id]


def check_members(backend, engine, user_ids):
    """The checks CreateUserGroup and ModifyUserGroup make on the resulting members."""
    users = []
    for user_id in user_ids:
        if user_id not in backend.users:
            raise UserNotFound(user_id)
        users.append(backend.users[user_id])
    names = [u.name for u in users]
    if "default" not in names:
        raise fault("DefaultUserRequired", "You must add default user to a user group.")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise fault("DuplicateUserName", f"Duplicate user name in user group: {', '.join(duplicates)}.")
    if engine == "valkey":
        open_users = [u.id for u in users if u.no_password_required or u.authentication_type == "no-password-required"]
        if open_users:
            raise fault("InvalidParameterValue", f"A user group with engine valkey can only contain users that authenticate (password or IAM): {', '.join(open_users)}.")


def set_membership(backend, group_id, user_ids):
    """Keeps each user's UserGroupIds (DescribeUsers) in step with the groups that hold it."""
    for user in backend.users.values():
        held = group_id in user.user_group_ids
        if user.id in user_ids and not held:
            user.user_group_ids.append(group_id)
        elif user.id not in user_ids and held:
            user.user_group_ids.remove(group_id)


def create_user_group(self):
    backend = self.elasticache_backend
    groups, _ = stores(backend)
    group_id = (self._get_param("UserGroupId") or "").lower()
    engine = (self._get_param("Engine") or "").lower()
    user_ids = self._get_param("UserIds") or []
    if engine not in ENGINES:
        raise fault("InvalidParameterValue", f"Engine {engine!r} is not one of: {', '.join(sorted(ENGINES))}.")
    if group_id in groups:
        raise fault("UserGroupAlreadyExists", f"User group {group_id} already exists.")
    check_members(backend, engine, user_ids)
    group = {
        "UserGroupId": group_id,
        "Status": "active",
        "Engine": engine,
        "UserIds": list(user_ids),
        "MinimumEngineVersion": "6.0",
        "ARN": arn(backend, "usergroup", group_id),
    }
    groups[group_id] = group
    set_membership(backend, group_id, user_ids)
    tags = self._get_param("Tags") or []
    if tags:
        backend.tagging_service.tag_resource(group["ARN"], tags)
    return ActionResult(user_group_view(backend, group))


def describe_user_groups(self):
    backend = self.elasticache_backend
    groups, _ = stores(backend)
    group_id = self._get_param("UserGroupId")
    chosen = [find_user_group(backend, group_id)] if group_id else list(groups.values())
    return ActionResult({"UserGroups": [user_group_view(backend, g) for g in chosen]})


def modify_user_group(self):
    backend = self.elasticache_backend
    group = find_user_group(backend, self._get_param("UserGroupId"))
    adding = self._get_param("UserIdsToAdd") or []
    removing = set(self._get_param("UserIdsToRemove") or [])
    for user_id in [*adding, *removing]:
        if user_id not in backend.users:
            raise UserNotFound(user_id)
    members = [u for u in group["UserIds"] if u not in removing] + [u for u in adding if u not in group["UserIds"]]
    check_members(backend, group["Engine"], members)
    group["UserIds"] = members
    set_membership(backend, group["UserGroupId"], members)
    return ActionResult(user_group_view(backend, group))


def delete_user_group(self):
    backend = self.elasticache_backend
    groups, _ = stores(backend)
    group = find_user_group(backend, self._get_param("UserGroupId"))
    view = user_group_view(backend, group)
    if view["ReplicationGroups"] or view["ServerlessCaches"]:
        raise fault("InvalidUserGroupState", f"User group {group['UserGroupId']} is associated with a cache and cannot be deleted.")
    del groups[group["UserGroupId"]]
    set_membership(backend, group["UserGroupId"], [])
    backend.tagging_service.delete_all_tags_for_resource(group["ARN"])
    return ActionResult({**view, "Status": "deleting"})


def find_serverless_cache(backend, name):
    _, caches = stores(backend)
    if name not in caches:
        raise fault("ServerlessCacheNotFoundFault", f"Serverless cache {name} not found.")
    return caches[name]


def check_user_group(backend, group_id):
    if group_id:
        find_user_group(backend, group_id)


def create_serverless_cache(self):
    backend = self.elasticache_backend
    _, caches = stores(backend)
    name = (self._get_param("ServerlessCacheName") or "").lower()
    engine = (self._get_param("Engine") or "").lower()
    if engine not in ENGINES | {"memcached"}:
        raise fault("InvalidParameterValue", f"Engine {engine!r} is not one of: memcached, redis, valkey.")
    if name in caches:
        raise fault("ServerlessCacheAlreadyExistsFault", f"Serverless cache {name} already exists.")
    group_id = self._get_param("UserGroupId")
    if group_id and engine == "memcached":
        raise fault("InvalidParameterCombination", "UserGroupId is available for valkey and redis only.")
    check_user_group(backend, group_id)
    subnet_ids = self._get_param("SubnetIds") or []
    ec2 = ec2_backends[backend.account_id][backend.region_name]
    for subnet_id in subnet_ids:
        try:
            ec2.get_subnet(subnet_id)
        except Exception:
            raise InvalidSubnet(subnet_id)
    major = self._get_param("MajorEngineVersion") or DEFAULT_MAJOR.get(engine, "1.6")
    host = f"{name}-{''.join(random.choices(string.ascii_lowercase + string.digits, k=6))}.serverless.{backend.region_name}.cache.amazonaws.com"
    port = 11211 if engine == "memcached" else 6379
    cache = {
        "ServerlessCacheName": name,
        "Description": self._get_param("Description") or "",
        "CreateTime": utcnow(),
        "Status": "available",
        "Engine": engine,
        "MajorEngineVersion": major,
        "FullEngineVersion": FULL_VERSION.get(major, major),
        "CacheUsageLimits": self._get_param("CacheUsageLimits"),
        "KmsKeyId": self._get_param("KmsKeyId"),
        "SecurityGroupIds": self._get_param("SecurityGroupIds") or [],
        # Serverless caches take TLS connections only; readers use the next port.
        "Endpoint": {"Address": host, "Port": port},
        "ReaderEndpoint": {"Address": host, "Port": port + 1},
        "ARN": arn(backend, "serverlesscache", name),
        "UserGroupId": group_id,
        "SubnetIds": subnet_ids,
        "SnapshotRetentionLimit": self._get_int_param("SnapshotRetentionLimit") or 0,
        "DailySnapshotTime": self._get_param("DailySnapshotTime") or "05:00",
        "NetworkType": self._get_param("NetworkType") or "ipv4",
    }
    caches[name] = {k: v for k, v in cache.items() if v is not None}
    tags = self._get_param("Tags") or []
    if tags:
        backend.tagging_service.tag_resource(cache["ARN"], tags)
    return ActionResult({"ServerlessCache": caches[name]})


def describe_serverless_caches(self):
    backend = self.elasticache_backend
    _, caches = stores(backend)
    name = self._get_param("ServerlessCacheName")
    chosen = [find_serverless_cache(backend, name)] if name else list(caches.values())
    return ActionResult({"ServerlessCaches": chosen})


def modify_serverless_cache(self):
    backend = self.elasticache_backend
    cache = find_serverless_cache(backend, self._get_param("ServerlessCacheName"))
    group_id = self._get_param("UserGroupId")
    if group_id and self._get_bool_param("RemoveUserGroup"):
        raise fault("InvalidParameterCombination", "UserGroupId and RemoveUserGroup cannot be given together.")
    check_user_group(backend, group_id)
    if self._get_bool_param("RemoveUserGroup"):
        cache.pop("UserGroupId", None)
    for key in ("Description", "CacheUsageLimits", "UserGroupId", "SecurityGroupIds", "DailySnapshotTime", "Engine", "MajorEngineVersion"):
        value = self._get_param(key)
        if value is not None:
            cache[key] = value
    if self._get_param("MajorEngineVersion"):
        cache["FullEngineVersion"] = FULL_VERSION.get(cache["MajorEngineVersion"], cache["MajorEngineVersion"])
    if self._get_int_param("SnapshotRetentionLimit") is not None:
        cache["SnapshotRetentionLimit"] = self._get_int_param("SnapshotRetentionLimit")
    return ActionResult({"ServerlessCache": cache})


def delete_serverless_cache(self):
    backend = self.elasticache_backend
    _, caches = stores(backend)
    cache = find_serverless_cache(backend, self._get_param("ServerlessCacheName"))
    del caches[cache["ServerlessCacheName"]]
    backend.tagging_service.delete_all_tags_for_resource(cache["ARN"])
    return ActionResult({"ServerlessCache": {**cache, "Status": "deleting"}})


create_replication_group_unchecked = ElastiCacheResponse.create_replication_group


def create_replication_group(self):
    for group_id in self._get_param("UserGroupIds") or []:
        find_user_group(self.elasticache_backend, group_id)
    return create_replication_group_unchecked(self)


list_tags_unchecked = ElastiCacheBackend.list_tags_for_resource


def list_tags_for_resource(self, resource_arn):
    """moto's, which also knows user groups' and serverless caches' ARNs (and refuses those that are gone)."""
    kind, _, name = resource_arn.split(":", 5)[-1].partition(":")
    if kind == "usergroup":
        find_user_group(self, name)
    elif kind == "serverlesscache":
        find_serverless_cache(self, name)
    else:
        return list_tags_unchecked(self, resource_arn)
    return self.tagging_service.list_tags_for_resource(resource_arn)


for call in (create_user_group, describe_user_groups, modify_user_group, delete_user_group,
             create_serverless_cache, describe_serverless_caches, modify_serverless_cache, delete_serverless_cache,
             create_replication_group):
    setattr(ElastiCacheResponse, call.__name__, call)
ElastiCacheBackend.list_tags_for_resource = list_tags_for_resource
