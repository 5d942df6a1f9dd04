"""VerifyCrossAccountAccessOperator: template fields, defaults, XCom shape."""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.operators.verify import REPORT_XCOM_KEY, VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError, InvalidParameterError
from devstack.moto_stack import DESTINATION_CONN_ID, EMR_ACCOUNT, EMR_CONN_ID
from tests.conftest import run_operator
from tests.unit.operators.template_fields import SAFETY_FIELDS, validate_template_fields


def verifier(**kwargs: object) -> VerifyCrossAccountAccessOperator:
    return VerifyCrossAccountAccessOperator(
        task_id="verify_access",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration="emrfs-xacct-acme-0123456789ab",
        release_label="emr-7.5.0",
        **kwargs,
    )


def test_template_fields_and_defaults():
    operator = verifier()
    validate_template_fields(operator)
    assert {"security_configuration", "destination_aws_conn_id", "cluster_id", *SAFETY_FIELDS} <= set(
        operator.template_fields
    )
    assert (operator.probe, operator.waiter_delay, operator.waiter_max_attempts) == (False, 30, 60)
    assert (operator.second_opinion, operator.fail_on_broken, operator.fail_on_not_checked) == (True, True, False)
    assert operator.emr_ec2_role_name == "EMR_EC2_DefaultRole"


def test_xcom_shape(aws):
    # No security configuration: the verdict is FAIL, reported (and pushed) without failing the task.
    report, _, ti = run_operator(verifier(fail_on_broken=False, expected_account_id=EMR_ACCOUNT))
    assert set(report) >= {"security_configuration", "verdict", "healthy", "links", "not_checked"}
    assert report["verdict"] == "FAIL"
    assert report["healthy"] is False
    assert ti.xcoms == {REPORT_XCOM_KEY: report}


def test_a_wrong_account_pin_is_refused_before_any_read(aws):
    with pytest.raises(InvalidParameterError, match="expected_account_id"):
        run_operator(verifier(expected_account_id="999999999999"))


@pytest.mark.parametrize("cluster_id", ["", " j-2AXXXXXXGAPLF", "j-" + "A" * 255, "j-\x00"])
def test_a_cluster_id_emr_cannot_have_is_refused_naming_it_before_any_call(aws, cluster_id):
    """
    Not read as "no cluster" (``""``: nothing of the cluster would be checked) nor sent to EMR: refused, naming
    ``cluster_id`` (the form EMR's ids have: Amazon EMR API Reference, RunJobFlow, ``JobFlowId``).
    """
    from devstack.testing import CallRecorder

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError, match=r"^cluster_id: "):
        run_operator(verifier(cluster_id=cluster_id, expected_account_id=EMR_ACCOUNT))
    assert calls.every == []


def report_with(
    *links: tuple[str, str], probe_ok: bool | None, mapping: int = 0, routes: dict[str, int | None] | None = None
) -> dict[str, object]:
    result: dict[str, object] = {
        "verdict": "NOT_CHECKED",
        "links": [
            {"mapping": mapping, "link": name, "status": status, "detail": "d", "fix": "f", "prefix": "s3://b/p/"}
            for name, status in links
        ],
    }
    if probe_ok is not None:
        result["probe"] = {
            "ok": probe_ok,
            "problems": [],
            "routes": {"s3://b/p/probe/1": 0} if routes is None else routes,
        }
    return result


def test_a_passing_probe_settles_what_it_wrote_but_not_whom_a_user_mapping_s_job_runs_as():
    # The probe is an EMR step: AWS does not document which Hadoop user it runs as, so its write does not show
    # that a User/Group mapping's jobs get the mapped role (checks/principal.py).
    operator = verifier(fail_on_not_checked=True)
    settled = report_with(("pass", "pass"), ("use bucket key for s3://b/p/", "not checked"), probe_ok=True)
    assert operator._finish(settled) == settled

    user_mapping = report_with(("job runs as the mapped user or group", "not checked"), probe_ok=True)
    with pytest.raises(EmrfsXacctError, match="job runs as the mapped user or group"):
        operator._finish(user_mapping)

    without_probe = report_with(("use bucket key for s3://b/p/", "not checked"), probe_ok=None)
    with pytest.raises(EmrfsXacctError, match="1 link"):
        operator._finish(without_probe)


def test_a_passing_probe_does_not_settle_a_mapping_it_did_not_write_through():
    # Its one write per prefix went through mapping 0 only: mapping 1's role was never assumed.
    operator = verifier(fail_on_not_checked=True)
    other = report_with(("use bucket key for s3://b/p/", "not checked"), probe_ok=True, mapping=1)
    with pytest.raises(EmrfsXacctError, match="1 link"):
        operator._finish(other)

    unknown_route = report_with(("use bucket key for s3://b/p/", "not checked"), probe_ok=True, routes={})
    with pytest.raises(EmrfsXacctError, match="1 link"):
        operator._finish(unknown_route)


def test_the_flags_are_templated_and_taken_as_they_render(aws) -> None:
    # probe, second_opinion, fail_on_broken and fail_on_not_checked were not templated: "{{ params.strict }}" stayed
    # as written, and any text (the rendered "false" too) was true to Python: a probe that writes, a verdict that fails.
    assert {"probe", "second_opinion", "fail_on_broken", "fail_on_not_checked"} <= set(verifier().template_fields)
    operator = verifier(probe="false", second_opinion="False", fail_on_broken="false", fail_on_not_checked="TRUE")
    operator.validate_safety()  # the first thing execute does, and the resume after a deferral
    flags = (operator.probe, operator.second_opinion, operator.fail_on_broken, operator.fail_on_not_checked)
    assert flags == (False, False, False, True)


@pytest.mark.parametrize("flag", ["probe", "second_opinion", "fail_on_broken", "fail_on_not_checked"])
def test_a_flag_neither_true_nor_false_is_refused_naming_it_before_any_call(aws, flag):
    from devstack.testing import CallRecorder

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(verifier(**{flag: "yes"}))
    assert refused.value.field == flag
    assert calls.every == []


def test_the_emr_ec2_role_may_be_given_by_its_arn_in_the_emr_account_only(aws):
    # partner_access passes an upstream task's output (the role's ARN) as emr_ec2_role_name: the role of that name
    # is read in aws_conn_id's account, so an ARN of another account would judge another role.
    report, _, _ = run_operator(verifier(fail_on_broken=False, emr_ec2_role_name=aws.emr_ec2_role_arn))
    assert report["verdict"] == "FAIL"  # no security configuration: judged, not refused
    failed = [(link["link"], link["status"]) for link in report["links"] if link["status"] != "pass"]
    assert failed == [("security configuration exists", "fail")], report["links"]
    other = aws.emr_ec2_role_arn.replace(f":{EMR_ACCOUNT}:", ":222222222222:")
    with pytest.raises(InvalidParameterError) as refused:
        run_operator(verifier(emr_ec2_role_name=other))
    assert refused.value.field == "emr_ec2_role_name"
    assert "is in account 222222222222" in refused.value.problem


def links_pass_report() -> dict[str, object]:
    """The report of a chain whose every link passed, as the verifier pushes it before its probe's outcome."""
    from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
    from tests.unit.test_chain import healthy_state

    report = check_chain(healthy_state()).to_dict()
    assert (report["verdict"], report["healthy"]) == ("PASS", True)
    return report


def test_a_failed_deferral_whose_steps_are_lost_reports_the_probe_not_checked_not_the_links_pass(aws) -> None:
    """
    A deferral that fails resumes the task only to fail it; the report in XCom is what a ``trigger_rule="all_done"``
    notifier reads. With the probe's steps not in XCom nothing can be cancelled (no AWS call) and their states are
    not known: the probe neither showed the write goes through nor that it failed, so the report is NOT_CHECKED, never
    PASS, as ``execute_complete`` judges a probe cut short whose steps did not fail.
    """
    from airflow.sdk.bases.operator import TRIGGER_FAIL_REPR, TriggerFailureReason
    from airflow.sdk.exceptions import TaskDeferralTimeout

    from devstack.testing import CallRecorder, RecordingTaskInstance

    operator = verifier(cluster_id="j-2AXXXXXXGAPLF", probe=True, deferrable=True, expected_account_id=EMR_ACCOUNT)
    ti = RecordingTaskInstance(task_id=operator.task_id)
    ti.xcom_push(REPORT_XCOM_KEY, links_pass_report())

    with CallRecorder().everywhere() as calls, pytest.raises(TaskDeferralTimeout):
        operator.resume_execution(
            TRIGGER_FAIL_REPR, {"error": TriggerFailureReason.TRIGGER_TIMEOUT}, {"ti": ti, "task_instance": ti}
        )

    report = ti.xcoms[REPORT_XCOM_KEY]
    assert (report["verdict"], report["healthy"], report["probe"]["ok"]) == ("NOT_CHECKED", True, None)
    assert any("not in XCom" in problem for problem in report["probe"]["problems"])
    assert any("is not known" in why for why in report["probe"]["not_checked"])
    assert calls.every == []


def test_the_report_while_the_probe_runs_is_not_a_pass_and_its_outcome_decides_it() -> None:
    from airflow_provider_emrfs_xacct.operators.verify import probe_pending, with_probe

    links = links_pass_report()
    pending = probe_pending(links)
    # Pushed before the probe's steps are added: a task marked failed while deferred leaves this report.
    assert (pending["verdict"], pending["healthy"], "probe" in pending) == ("NOT_CHECKED", True, False)
    assert pending["probe_pending"]
    assert pending["links"] == links["links"]

    failed = with_probe(pending, {"ok": False, "problems": ["killed"], "objects": {}})
    assert (failed["verdict"], failed["healthy"]) == ("FAIL", False)
    passed = with_probe(pending, {"ok": True, "problems": [], "objects": {}, "routes": {}})
    assert (passed["verdict"], passed["healthy"]) == ("PASS", True)
    assert "probe_pending" not in failed
    assert "probe_pending" not in passed
