"""
The Docker stack in docker/ is coherent (no Docker engine runs here: the files are checked, not run).

Parses docker-compose.yml with PyYAML (merge keys resolved) and the Dockerfile line by line. The
compose file is checked as Compose would see it with the default profile (LocalExecutor) and with
the ``celery`` profile (CeleryExecutor, Redis, several workers): services of a profile are enabled
only when it is active, and ``${VAR:-default}`` takes the variable's value when set, else the default
(Docker's "Using profiles with Compose" and "Interpolation" in the Compose file reference).
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    PROVISIONER_ROLE,
    REGION,
    connection_uri_json,
)

ROOT = Path(__file__).resolve().parents[2]
DOCKER_DIR = ROOT / "docker"

REQUIRED_SERVICES = {
    "postgres",
    "moto",
    "airflow-init",
    "airflow-api-server",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
}
CELERY_PROFILE = "celery"
#: The variables with which the README starts each profile: executor per profile.
PROFILE_VARIABLES = {None: {}, CELERY_PROFILE: {"AIRFLOW_EXECUTOR": "CeleryExecutor"}}
EXECUTOR_OF_PROFILE = {None: "LocalExecutor", CELERY_PROFILE: "CeleryExecutor"}
CONNECTIONS = {EMR_CONN_ID: EMR_ACCOUNT, DESTINATION_CONN_ID: DESTINATION_ACCOUNT}


def compose() -> dict[str, Any]:
    return yaml.safe_load((DOCKER_DIR / "docker-compose.yml").read_text())


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ``${VAR:-default}`` / ``${VAR}`` substitution (``$$`` is a literal ``$``)."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(3)
        return variables.get(name) or (default or "")

    return re.sub(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}", substitute, value)


def environment(service: dict[str, Any], variables: dict[str, str] | None = None) -> dict[str, str]:
    """A service's environment, from either compose form (mapping, or list of KEY=VALUE), interpolated."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(key): interpolate(str(value), variables or {}) for key, value in env.items()}


def enabled(services: dict[str, Any], profile: str | None) -> dict[str, Any]:
    """The services Compose starts with ``profile`` active (those without profiles always)."""
    return {
        name: service
        for name, service in services.items()
        if not service.get("profiles") or profile in service["profiles"]
    }


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """A service's dependencies with their conditions, from either compose form."""
    needs = service.get("depends_on") or {}
    if isinstance(needs, list):
        return dict.fromkeys(needs, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in needs.items()}


def volume_mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(source, target) of a service's volumes, from the short or the long syntax."""
    mounts = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            mounts.append((volume["source"], volume["target"]))
        else:
            source, target = volume.split(":")[:2]
            mounts.append((source, target))
    return mounts


def airflow_services(services: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run Airflow (they have an SQLAlchemy connection)."""
    return {
        name: service
        for name, service in services.items()
        if "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" in environment(service)
    }


def constraint_version(package: str) -> str:
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        if name.strip().lower() == package:
            return version.strip()
    raise AssertionError(f"{package} is not pinned in constraints.txt")


def dockerfile_lines() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = (DOCKER_DIR / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def dockerfile_from() -> tuple[str, str]:
    """(image, tag) of the Dockerfile's only FROM."""
    froms = [line.split()[1:] for line in dockerfile_lines() if line.upper().startswith("FROM ")]
    assert len(froms) == 1, froms
    image, _, tag = froms[0][0].partition(":")
    return image, tag


def dockerfile_copies() -> dict[PurePosixPath, PurePosixPath]:
    """Where each COPY puts each source (path in the image -> path in the build context), following WORKDIR."""
    workdir = PurePosixPath("/")
    copies: dict[PurePosixPath, PurePosixPath] = {}
    for line in dockerfile_lines():
        instruction, *arguments = line.split()
        if instruction.upper() == "WORKDIR":
            workdir = workdir / arguments[0]
        elif instruction.upper() == "COPY":
            paths = [argument for argument in arguments if not argument.startswith("--")]
            *sources, destination = paths
            target = workdir / destination
            for source in sources:
                into_dir = destination.endswith("/") or len(sources) > 1
                copies[target / PurePosixPath(source).name if into_dir else target] = PurePosixPath(source)
    return copies


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def test_required_services_exist(services: dict[str, Any]) -> None:
    assert set(services) >= REQUIRED_SERVICES


def test_every_service_has_an_image_or_a_build(services: dict[str, Any]) -> None:
    for name, service in services.items():
        assert service.get("image") or service.get("build"), name


def test_builds_point_at_the_repository_dockerfile(services: dict[str, Any]) -> None:
    builds = [service["build"] for service in services.values() if "build" in service]
    assert builds, "no service builds the provider image"
    for build in builds:
        context = (DOCKER_DIR / build["context"]).resolve()
        assert context == ROOT
        assert (context / build.get("dockerfile", "Dockerfile")).is_file()


def test_depends_on_names_existing_services_without_cycles(services: dict[str, Any]) -> None:
    graph = {name: depends_on(service) for name, service in services.items()}
    for name, needs in graph.items():
        assert name not in needs, f"{name} depends on itself"
        assert set(needs) <= set(services), f"{name} depends on unknown {set(needs) - set(services)}"
        for condition in needs.values():
            assert condition in {"service_started", "service_healthy", "service_completed_successfully"}, name
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"dependency cycle: {' -> '.join((*path, name))}"
        if name not in done:
            for needed in graph[name]:
                visit(needed, (*path, name))
            done.add(name)

    for name in graph:
        visit(name, ())


def test_healthy_conditions_have_healthchecks(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for needed, condition in depends_on(service).items():
            if condition == "service_healthy":
                assert "healthcheck" in services[needed], (
                    f"{name} waits for {needed} to be healthy; it has no healthcheck"
                )


def test_airflow_services_wait_for_database_moto_and_migration(services: dict[str, Any]) -> None:
    for name in ("airflow-api-server", "airflow-scheduler", "airflow-dag-processor"):
        needs = depends_on(services[name])
        assert needs.get("postgres") == "service_healthy", name
        assert needs.get("moto") == "service_healthy", name
        assert needs.get("airflow-init") == "service_completed_successfully", name
    bash, flag, script = services["airflow-init"]["command"]
    assert (bash, flag) == ("bash", "-c")
    assert script.startswith("airflow db migrate && ")
    # The example DAGs' one-slot pool for writers of shared documents: the scheduler runs no task of a missing pool.
    pool = re.search(r"airflow pools set (\S+) 1 ", script)
    assert pool, script
    dag = (ROOT / "dags" / "emrfs_xacct_partner_export.py").read_text()
    assert f'SHARED_DOCUMENTS_POOL = "{pool.group(1)}"' in dag


@pytest.mark.parametrize("profile", sorted(PROFILE_VARIABLES, key=str))
def test_airflow_services_share_one_executor_and_postgres(services: dict[str, Any], profile: str | None) -> None:
    postgres = environment(services["postgres"])
    airflow = airflow_services(enabled(services, profile))
    assert set(airflow) >= {
        "airflow-init",
        "airflow-api-server",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
    }
    for name, service in airflow.items():
        env = environment(service, PROFILE_VARIABLES[profile])
        # Every component, the workers included, agrees on the executor of the profile.
        assert env["AIRFLOW__CORE__EXECUTOR"] == EXECUTOR_OF_PROFILE[profile], name
        database = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        assert database.scheme.startswith("postgresql"), name
        assert database.hostname in services, name
        assert (database.username, database.password, database.path.lstrip("/")) == (
            postgres["POSTGRES_USER"],
            postgres["POSTGRES_PASSWORD"],
            postgres["POSTGRES_DB"],
        ), name
        execution_api = urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
        assert execution_api.hostname == "airflow-api-server", name
        assert execution_api.path == "/execution/", name
    # Components sign and check each other's tokens: one secret for all.
    assert len({environment(service)["AIRFLOW__API_AUTH__JWT_SECRET"] for service in airflow.values()}) == 1


@pytest.mark.parametrize(("conn_id", "account"), sorted(CONNECTIONS.items()))
def test_connections_assume_roles_in_the_right_accounts_through_moto(
    services: dict[str, Any], conn_id: str, account: str
) -> None:
    moto_env = environment(services["moto"])
    moto_url = f"http://moto:{moto_env['MOTO_PORT']}"
    for name, service in airflow_services(services).items():
        connection = json.loads(environment(service)[f"AIRFLOW_CONN_{conn_id.upper()}"])
        extra = connection["extra"]
        assert connection["conn_type"] == "aws", name
        assert extra["role_arn"] == f"arn:aws:iam::{account}:role/{PROVISIONER_ROLE}", name
        assert extra["region_name"] == REGION, name
        assert extra["endpoint_url"] == moto_url, name
        assert extra["service_config"]["sts"]["endpoint_url"] == moto_url, name
        assert urlsplit(extra["endpoint_url"]).hostname in services, name
        # Exactly the shape the test suite and `make demo` use, only with the service's address.
        assert connection == json.loads(connection_uri_json(moto_url, account)), name


def test_no_other_aws_connections_or_real_credentials(services: dict[str, Any]) -> None:
    for name, service in airflow_services(services).items():
        env = environment(service)
        assert {key for key in env if key.startswith("AIRFLOW_CONN_")} == {
            f"AIRFLOW_CONN_{conn_id.upper()}" for conn_id in CONNECTIONS
        }, name
        assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "MOTO_ACCOUNT_ID"} & set(env), name


def test_connection_ids_are_the_ones_the_dags_use() -> None:
    sources = "\n".join(path.read_text() for path in (ROOT / "dags").glob("*.py"))
    for conn_id in CONNECTIONS:
        assert f'"{conn_id}"' in sources


def test_dags_folder_is_mounted_from_the_repository(services: dict[str, Any]) -> None:
    for name, service in airflow_services(services).items():
        env = environment(service)
        dags_folder = env.get("AIRFLOW__CORE__DAGS_FOLDER", "/opt/airflow/dags")
        mounts = {target: source for source, target in volume_mounts(service)}
        assert dags_folder in mounts, f"{name} does not mount {dags_folder}"
        source = (DOCKER_DIR / mounts[dags_folder]).resolve()
        assert source == ROOT / "dags", name
        assert source.is_dir(), name
        assert any(source.glob("*.py")), name


def test_named_volumes_are_declared(services: dict[str, Any]) -> None:
    declared = set(compose().get("volumes") or {})
    for name, service in services.items():
        for source, _ in volume_mounts(service):
            if not source.startswith((".", "/", "~")):
                assert source in declared, f"{name} mounts undeclared volume {source}"


def test_moto_service_runs_the_copied_script_and_is_healthy_once_seeded(services: dict[str, Any]) -> None:
    moto = services["moto"]
    env = environment(moto)
    script = PurePosixPath(moto["entrypoint"][-1])
    copies = dockerfile_copies()
    assert script in copies, f"{script} is not copied into the image (copied: {sorted(map(str, copies))})"
    assert (ROOT / copies[script]).is_file()
    # devstack must be importable by the script.
    assert PurePosixPath(env["PYTHONPATH"]) / "devstack" in copies
    assert moto["healthcheck"]["test"] == ["CMD", "test", "-f", env["MOTO_READY_FILE"]]
    assert env["MOTO_HOST"] == "0.0.0.0"


def test_dockerfile_from_matches_pinned_airflow() -> None:
    image, tag = dockerfile_from()
    assert image == "apache/airflow"
    match = re.fullmatch(r"(\d+\.\d+\.\d+)-python(3\.\d+)", tag)
    assert match, f"FROM tag {tag!r} is not <airflow version>-python<3.x>"
    assert match.group(1) == constraint_version("apache-airflow")
    assert match.group(1).startswith("3.")


def test_dockerfile_installs_with_the_constraints_file() -> None:
    text = (DOCKER_DIR / "Dockerfile").read_text()
    copies = dockerfile_copies()
    assert any(str(source) == "constraints.txt" for source in copies.values())
    install = re.search(r"pip install(.*?)(?:&&|$)", text.replace("\\\n", " "), re.S)
    assert install is not None
    assert re.search(r"(--constraint|-c)\s+\S*constraints\.txt", install.group(1))
    assert re.search(r"""\s"?\.(\[[a-z,-]+\])?"?(\s|$)""", install.group(1)), (
        "the provider is not installed from the repository"
    )


def test_dockerfile_copies_exist_in_the_repository() -> None:
    copies = dockerfile_copies()
    assert copies
    for target, source in copies.items():
        assert (ROOT / source).exists(), f"COPY source {source} (to {target}) is missing"
    # setup.cfg reads the long description from README.md: the build needs it.
    assert any(str(source) == "README.md" for source in copies.values())


def test_build_context_ignores_the_virtualenv() -> None:
    ignored = (DOCKER_DIR / "Dockerfile.dockerignore").read_text().split()
    assert {".venv", ".git"} <= set(ignored)


def test_readme_says_ci_only_validates() -> None:
    text = (DOCKER_DIR / "README.md").read_text()
    assert "docker compose -f docker/docker-compose.yml up" in text
    assert re.search(r"No Docker engine", text, re.I)
    assert "test_docker_files.py" in text


def test_compose_file_is_plain_yaml_without_unresolved_anchors() -> None:
    """A typo in an anchor name makes PyYAML fail; also no key holds a leftover merge marker."""
    raw = (DOCKER_DIR / "docker-compose.yml").read_text()
    data = yaml.safe_load(raw)
    assert "<<" not in json.dumps(data)


def test_services_without_a_profile_need_none_of_a_profile(services: dict[str, Any]) -> None:
    """Compose refuses a dependency on a service that the active profiles leave out."""
    always = enabled(services, None)
    for name, service in always.items():
        assert set(depends_on(service)) <= set(always), f"{name} depends on a service of a profile"
    assert {"redis", "airflow-worker"} <= set(services) - set(always)


def test_triggerer_runs_with_either_executor(services: dict[str, Any]) -> None:
    triggerer = services["airflow-triggerer"]
    assert "profiles" not in triggerer
    assert triggerer["command"] == ["triggerer"]
    assert "TriggererJob" in " ".join(triggerer["healthcheck"]["test"])
    needs = depends_on(triggerer)
    assert needs.get("postgres") == "service_healthy"
    assert needs.get("airflow-init") == "service_completed_successfully"


def test_celery_profile_has_a_broker_and_several_workers(services: dict[str, Any]) -> None:
    celery = enabled(services, CELERY_PROFILE)
    redis, worker = celery["redis"], celery["airflow-worker"]
    assert redis["profiles"] == worker["profiles"] == [CELERY_PROFILE]
    assert redis["image"].split(":")[0] == "redis"
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert worker["command"] == ["celery", "worker"]
    assert worker["deploy"]["replicas"] >= 2
    assert "inspect ping" in " ".join(worker["healthcheck"]["test"])
    needs = depends_on(worker)
    assert needs.get("redis") == "service_healthy"
    assert needs.get("postgres") == "service_healthy"
    assert needs.get("moto") == "service_healthy"
    assert needs.get("airflow-init") == "service_completed_successfully"
    # Workers run the DAGs' tasks: they mount the same DAGs as the scheduler.
    assert volume_mounts(worker) == volume_mounts(services["airflow-scheduler"])
    postgres = environment(services["postgres"])
    for name, service in airflow_services(celery).items():
        env = environment(service, PROFILE_VARIABLES[CELERY_PROFILE])
        broker = urlsplit(env["AIRFLOW__CELERY__BROKER_URL"])
        assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379), name
        backend = urlsplit(env["AIRFLOW__CELERY__RESULT_BACKEND"])
        assert backend.scheme == "db+postgresql", name
        assert (backend.hostname, backend.username, backend.password) == (
            "postgres",
            postgres["POSTGRES_USER"],
            postgres["POSTGRES_PASSWORD"],
        ), name


def test_image_has_aiobotocore_for_the_triggerer_and_celery_for_the_workers() -> None:
    text = (DOCKER_DIR / "Dockerfile").read_text().replace("\\\n", " ")
    install = re.search(r"pip install(.*?)(?:&&|$)", text, re.S)
    assert install is not None
    assert '".[deferrable]"' in install.group(1)
    assert "apache-airflow-providers-celery" in install.group(1)
    setup = (ROOT / "setup.cfg").read_text()
    assert re.search(r"^deferrable =\n\s+apache-airflow-providers-amazon\[aiobotocore\]", setup, re.M)


def test_readme_starts_the_celery_profile_with_its_executor() -> None:
    text = (DOCKER_DIR / "README.md").read_text()
    command = "AIRFLOW_EXECUTOR=CeleryExecutor docker compose -f docker/docker-compose.yml --profile celery up"
    assert command in text
    assert "airflow-triggerer" in text
