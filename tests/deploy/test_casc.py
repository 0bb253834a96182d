"""deploy/jenkins.yaml, read as JCasC reads it, against the classes it configures.

Sources (jenkinsci repositories, read at the commits named in docs/deploy.md):
- core `hudson.security.csrf.DefaultCrumbIssuer`: since 2.543 only the no-argument
  @DataBoundConstructor; `excludeClientIPFromCrumb` is a transient field, no longer a
  configurable attribute, and JCasC rejects unknown keys.
- core `jenkins.model.Jenkins`: ADMINISTER; RUN_SCRIPTS, MANAGE and SYSTEM_READ are
  implied by it; `PluginManager.UPLOAD_PLUGINS` and `CONFIGURE_UPDATECENTER` too.
- matrix-auth `GlobalMatrixAuthorizationStrategyConfigurator` ("globalMatrix"),
  `DefinitionEntry` (`user`/`group`/`userOrGroup`, one each), `PermissionDefinition`
  ("<group id>/<permission name>").
- swarm-plugin `PluginImpl.doCreateSlave` (Computer.CREATE, Computer.CONNECT),
  `doAddSlaveLabels`/`doRemoveSlaveLabels` (Computer.CONFIGURE).
- job-dsl `GlobalJobDslSecurityConfiguration.useScriptSecurity`, `ExecuteDslScripts`
  (ScriptApprovalDslScriptLoader when security is on and the step is not sandboxed).
- script-security `ScriptApproval` (@Symbol "scriptApproval"): `setApprovedScriptHashes`,
  `Hasher.SHA512` (pattern `SHA512:[a-fA-F0-9]{128}`), `setForceSandbox`.
- git-client `GitHostKeyVerificationConfiguration.sshHostKeyVerificationStrategy`,
  `ManuallyProvidedKeyVerificationStrategy(String approvedHostKeys)`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from jobsmith.generator.seed_script import seed_approval_hash
from tests.support.groovy import compile_files

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"

# Permissions through which their holder can run code on the controller, or change what
# runs there, and why (the class that makes it so):
CONTROLLER_CODE = {
    # Jenkins.ADMINISTER: the script console (Jenkins.doScript), everything else.
    "Overall/Administer": "the script console and every setting",
    # Jenkins.RUN_SCRIPTS (deprecated, implied by ADMINISTER): script console, approvals.
    "Overall/RunScripts": "the script console",
    # PluginManager.UPLOAD_PLUGINS: an uploaded .hpi is code the controller loads.
    "Overall/UploadPlugins": "an uploaded plugin is code",
    # PluginManager.CONFIGURE_UPDATECENTER: another update site serves other plugins.
    "Overall/ConfigureUpdateCenter": "plugins from another update site",
    # Jenkins.MANAGE: global configuration; its own javadoc warns that scripting
    # features stay ADMINISTER-only because MANAGE could otherwise escalate.
    "Overall/Manage": "global configuration (tools, libraries, environment)",
    # Item.CONFIGURE: a job's definition. With Job DSL script security off, one "Process
    # Job DSLs" step runs unsandboxed Groovy on the controller (JenkinsDslScriptLoader);
    # with it on, the job still decides which approved or sandboxed code runs, with the
    # job's credentials.
    "Job/Configure": "a job's definition: Job DSL, pipeline script, credentials bound",
    # Item.CREATE: a new job is configured by its creator.
    "Job/Create": "a new job, configured by its creator",
    # Run/Replay (workflow-cps ReplayAction): runs an edited pipeline script.
    "Run/Replay": "an edited pipeline script",
    # Credentials: every secret the jobs use.
    "Credentials/View": "the jobs' secrets",
    "Credentials/Create": "the jobs' secrets",
    "Credentials/Update": "the jobs' secrets",
    "Credentials/ManageDomains": "the jobs' secrets",
    # Computer.CONFIGURE on the built-in node needs ADMINISTER (Jenkins.MasterComputer.
    # hasPermission), so Agent/Configure reaches only agents; it is allowed for the
    # agents' user below, and only because no controller-side launcher is installed.
}

AGENT_USER = "swarm"
AGENT_PERMISSIONS = {"Overall/Read", "Agent/Connect", "Agent/Create", "Agent/Configure"}
USER_PERMISSIONS = {"Overall/Read", "View/Read", "Job/Read", "Job/Build", "Job/Cancel"}
# The seed pipeline's API reader (`jobsmith expect`): the job and build JSON only.
SEED_READER = "seed-reader"
SEED_READER_PERMISSIONS = {"Overall/Read", "Job/Read"}


def _casc() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "jenkins.yaml").read_text())
    assert isinstance(data, dict)
    return data


def _entries(casc: dict[str, Any]) -> list[tuple[str, str, set[str]]]:
    """(kind, name, permissions) of each matrix entry."""
    strategy = casc["jenkins"]["authorizationStrategy"]
    assert list(strategy) == ["globalMatrix"], "least privilege needs matrix-auth"
    found = []
    for entry in strategy["globalMatrix"]["entries"]:
        [(kind, body)] = entry.items()  # DefinitionEntry: exactly one of these
        assert kind in {"user", "group", "userOrGroup"}, kind
        permissions = body["permissions"]
        assert all(re.fullmatch(r"[A-Za-z]+/[A-Za-z]+", p) for p in permissions), permissions
        found.append((kind, str(body["name"]), set(permissions)))
    return found


def _non_admins(casc: dict[str, Any]) -> list[tuple[str, str, set[str]]]:
    return [e for e in _entries(casc) if "Overall/Administer" not in e[2]]


def controller_code_holders(casc: dict[str, Any]) -> dict[str, set[str]]:
    """Non-administrators holding a permission that can run code on the controller."""
    held = {}
    for kind, name, permissions in _non_admins(casc):
        dangerous = permissions & set(CONTROLLER_CODE)
        if dangerous:
            held[f"{kind} {name}"] = dangerous
    return held


def test_no_non_administrator_can_run_code_on_the_controller() -> None:
    assert controller_code_holders(_casc()) == {}


def test_the_check_catches_a_dangerous_grant() -> None:
    casc = _casc()
    casc["jenkins"]["authorizationStrategy"]["globalMatrix"]["entries"].append(
        {"group": {"name": "developers", "permissions": ["Job/Read", "Job/Configure"]}})
    assert controller_code_holders(casc) == {"group developers": {"Job/Configure"}}


def test_only_the_admin_administers() -> None:
    admins = [(kind, name) for kind, name, perms in _entries(_casc())
              if "Overall/Administer" in perms]
    assert admins == [("user", "admin")]


def test_the_agents_user_holds_exactly_what_swarm_checks() -> None:
    [(kind, permissions)] = [(k, p) for k, n, p in _entries(_casc()) if n == AGENT_USER]
    assert kind == "user" and permissions == AGENT_PERMISSIONS


def test_ordinary_users_read_build_and_cancel_only() -> None:
    others = [(k, n, p) for k, n, p in _non_admins(_casc()) if n not in (AGENT_USER,
                                                                          SEED_READER)]
    assert others, "the kit shows how to grant ordinary users"
    for _kind, _name, permissions in others:
        assert permissions == USER_PERMISSIONS


def test_the_seed_reader_only_reads() -> None:
    casc = _casc()
    [(kind, permissions)] = [(k, p) for k, n, p in _entries(casc) if n == SEED_READER]
    assert kind == "user" and permissions == SEED_READER_PERMISSIONS
    users = {u["id"]: u["password"] for u in casc["jenkins"]["securityRealm"]["local"]["users"]}
    assert users[SEED_READER] == "${JOBSMITH_SEED_READER_PASSWORD}"
    # The Jenkinsfile binds the credential the walk-through tells the administrator to
    # create from that user (credentials-binding usernamePassword).
    jenkinsfile = (DEPLOY.parent / "Jenkinsfile").read_text()
    walk = (DEPLOY.parent / "docs" / "deploy.md").read_text()
    assert "credentialsId: 'jobsmith-seed-reader'" in jenkinsfile
    assert "`jobsmith-seed-reader`" in walk and "`seed-reader`" in walk


def test_no_grant_to_everybody() -> None:
    # `authenticated` includes the agents' user, `anonymous` everyone.
    names = {name for _kind, name, _perms in _entries(_casc())}
    assert not names & {"authenticated", "anonymous"}


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for value in node.values() for k in _keys(value)}
    if isinstance(node, list):
        return {k for value in node for k in _keys(value)}
    return set()


def test_no_removed_crumb_issuer_attribute() -> None:
    # DefaultCrumbIssuer's only @DataBoundConstructor takes no argument (core >= 2.543).
    assert _casc()["jenkins"]["crumbIssuer"] == "standard"
    assert "excludeClientIPFromCrumb" not in _keys(_casc())


def test_job_dsl_script_security_is_on_with_the_seed_script_approved() -> None:
    security = _casc()["security"]
    assert security["globalJobDslSecurityConfiguration"] == {"useScriptSecurity": True}
    approval = security["scriptApproval"]
    assert set(approval) == {"approvedScriptHashes", "forceSandbox"}
    assert approval["forceSandbox"] is True
    literal, extra = approval["approvedScriptHashes"]
    assert re.fullmatch(r"SHA512:[a-f0-9]{128}", literal), literal
    assert extra == "${JOBSMITH_SEED_SCRIPT_HASH:-}"  # empty entries are skipped


def test_the_approved_hash_is_this_releases_seed_script() -> None:
    # The Jenkinsfile runs `jobsmith generate ... -o out`; the script text (and so its
    # hash) changes with the jobsmith version and the seed template.
    [literal, _extra] = _casc()["security"]["scriptApproval"]["approvedScriptHashes"]
    assert literal == seed_approval_hash("out"), (
        "the seed script changed: put the output of `jobsmith approval-hash` into "
        "deploy/jenkins.yaml (security.scriptApproval.approvedScriptHashes)")


def test_git_host_keys_are_verified_from_the_configured_keys() -> None:
    strategy = _casc()["security"]["gitHostKeyVerificationConfiguration"]
    assert strategy == {"sshHostKeyVerificationStrategy": {
        "manuallyProvidedKeyVerificationStrategy": {
            "approvedHostKeys": "${JOBSMITH_GIT_HOST_KEYS}"}}}


def test_the_seed_install_has_no_default() -> None:
    env = {e["key"]: e["value"]
           for e in _casc()["jenkins"]["globalNodeProperties"][0]["envVars"]["env"]}
    assert env["JOBSMITH_PIP_SPEC"] == "${JOBSMITH_PIP_SPEC}"  # JCasC: unset -> ""
    assert env["JOBSMITH_INDEX_URL"] == "${JOBSMITH_INDEX_URL:-}"


def test_builds_never_run_on_the_controller() -> None:
    assert _casc()["jenkins"]["numExecutors"] == 0


def test_only_known_roots() -> None:
    # Throttle categories and priorities come from `jobsmith casc`, in a file of their own.
    assert set(_casc()) == {"jenkins", "security", "unclassified", "jobs"}
    assert set(_casc()["unclassified"]) == {"location"}


def test_casc_seed_job_script_compiles(tmp_path: Path) -> None:
    [job] = _casc()["jobs"]
    # JCasC substitutes ${VAR} and ${VAR:-default} before Job DSL sees the script.
    script = re.sub(r"\$\{[A-Z_]+(?::-([^}]*))?\}", lambda m: m.group(1) or "value",
                    job["script"])
    assert "pipelineJob('seed')" in script and "scriptPath('Jenkinsfile')" in script
    path = tmp_path / "seed_job.groovy"
    path.write_text(script)
    assert compile_files([path]) == {str(path): None}


def test_every_variable_jenkins_yaml_reads_is_in_the_walk_through() -> None:
    # JCasC turns an unset variable into "" (SecretSourceResolver.UnresolvedLookup), so
    # the administrator must be told to set each one without a default: the walk-through
    # (docs/deploy.md) shows each as NAME=... in the controller's environment file.
    text = (DEPLOY / "jenkins.yaml").read_text()
    required = set(re.findall(r"\$\{([A-Z_]+)\}", text))
    optional = set(re.findall(r"\$\{([A-Z_]+):-[^}]*\}", text))
    assert {"JOBSMITH_ADMIN_PASSWORD", "JOBSMITH_SWARM_PASSWORD", "JOBSMITH_PIP_SPEC",
            "JOBSMITH_GIT_HOST_KEYS"} <= required
    walk = (DEPLOY.parent / "docs" / "deploy.md").read_text()
    assert sorted(n for n in required if f"\n{n}=" not in walk) == []
    assert sorted(n for n in optional if n not in walk) == []
