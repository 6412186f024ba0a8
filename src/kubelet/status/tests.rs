use serde_json::Value;

use super::*;

const T: u64 = 1_764_936_000;

fn running(name: &str) -> Container {
    Container {
        name: name.to_owned(),
        image: "amazon/aws-cli:latest".to_owned(),
        image_id: "docker://sha256:1".to_owned(),
        container_id: Some(format!("docker://{name}-id")),
        state: State::Running { started_at: T + 1 },
        last_state: None,
        restart_count: 0,
    }
}

fn ended(name: &str, exit_code: i64) -> Container {
    Container {
        state: State::Terminated(Ended {
            exit_code,
            reason: Ended::reason_for(exit_code, false).to_owned(),
            started_at: T + 1,
            finished_at: T + 2,
            container_id: format!("docker://{name}-id"),
        }),
        ..running(name)
    }
}

fn restarting(name: &str) -> Container {
    let Container {
        state: State::Terminated(last),
        ..
    } = ended(name, 1)
    else {
        unreachable!()
    };
    Container {
        state: State::Waiting {
            reason: "CrashLoopBackOff".to_owned(),
            message: None,
        },
        last_state: Some(last),
        restart_count: 1,
        ..running(name)
    }
}

fn run(init: Vec<Container>, main: Vec<Container>, policy: &str, done: bool) -> Run {
    Run {
        init,
        main,
        restart_policy: policy.to_owned(),
        done,
        scheduled_at: T,
        started_at: T,
        pod_ip: "172.17.0.2".to_owned(),
        host_ip: "172.17.0.1".to_owned(),
        qos_class: "BestEffort".to_owned(),
    }
}

#[test]
fn phases() {
    let creating = || Container::waiting("app", "img", "ContainerCreating");
    let cases = [
        (
            "nothing_started_yet",
            run(vec![], vec![creating()], "Never", false),
            "Pending",
        ),
        (
            "running",
            run(vec![], vec![running("app")], "Never", false),
            "Running",
        ),
        (
            "one_of_two_running",
            run(vec![], vec![running("a"), ended("b", 0)], "Never", false),
            "Running",
        ),
        (
            "all_ended_well",
            run(vec![], vec![ended("a", 0), ended("b", 0)], "Never", true),
            "Succeeded",
        ),
        (
            "one_failed",
            run(vec![], vec![ended("a", 0), ended("b", 2)], "Never", true),
            "Failed",
        ),
        (
            "waiting_to_restart",
            run(vec![], vec![restarting("app")], "Always", false),
            "Running",
        ),
        (
            "init_running",
            run(
                vec![running("init")],
                vec![Container::waiting("app", "img", "PodInitializing")],
                "Never",
                false,
            ),
            "Pending",
        ),
        (
            "init_failed_for_good",
            run(
                vec![ended("init", 1)],
                vec![Container::waiting("app", "img", "PodInitializing")],
                "Never",
                true,
            ),
            "Failed",
        ),
        (
            "init_failed_will_retry",
            run(
                vec![ended("init", 1)],
                vec![Container::waiting("app", "img", "PodInitializing")],
                "OnFailure",
                false,
            ),
            "Pending",
        ),
        (
            "init_done_app_running",
            run(vec![ended("init", 0)], vec![running("app")], "Never", false),
            "Running",
        ),
    ];
    for (name, run, want) in cases {
        assert_eq!(phase(&run), want, "case {name}");
    }
}

fn condition<'a>(status: &'a Value, kind: &str) -> &'a Value {
    status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} condition"))
}

#[test]
fn a_running_pod_is_ready_with_its_addresses() {
    let status = status(&run(vec![], vec![running("app")], "Never", false));
    assert_eq!(status["phase"], "Running");
    let kinds: Vec<&str> = status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled"
        ]
    );
    for kind in kinds {
        assert_eq!(
            condition(&status, kind)["status"],
            "True",
            "condition {kind}"
        );
    }
    assert_eq!(status["podIP"], "172.17.0.2");
    assert_eq!(status["podIPs"][0]["ip"], "172.17.0.2");
    assert_eq!(status["hostIP"], "172.17.0.1");
    let app = &status["containerStatuses"][0];
    assert_eq!(app["ready"], true);
    assert_eq!(app["started"], true);
    assert_eq!(app["containerID"], "docker://app-id");
    assert_eq!(
        app["state"]["running"]["startedAt"],
        crate::clock::rfc3339(T + 1)
    );
    assert_eq!(app["lastState"], serde_json::json!({}));
    assert!(status.get("initContainerStatuses").is_none());
}

#[test]
fn conditions_of_pods_not_ready() {
    let creating = status(&run(
        vec![],
        vec![Container::waiting("app", "img", "ContainerCreating")],
        "Never",
        false,
    ));
    let ready = condition(&creating, "Ready");
    assert_eq!(ready["status"], "False");
    assert_eq!(ready["reason"], "ContainersNotReady");
    assert_eq!(ready["message"], "containers with unready status: [app]");
    assert_eq!(
        creating["containerStatuses"][0]["state"]["waiting"]["reason"],
        "ContainerCreating"
    );
    assert_eq!(
        condition(&creating, "PodReadyToStartContainers")["status"],
        "False"
    );

    let completed = status(&run(vec![], vec![ended("app", 0)], "Never", true));
    assert_eq!(completed["phase"], "Succeeded");
    assert_eq!(condition(&completed, "Ready")["reason"], "PodCompleted");
    let terminated = &completed["containerStatuses"][0]["state"]["terminated"];
    assert_eq!(terminated["exitCode"], 0);
    assert_eq!(terminated["reason"], "Completed");

    let failed = status(&run(vec![], vec![ended("app", 1)], "Never", true));
    assert_eq!(condition(&failed, "Ready")["reason"], "PodFailed");
    assert_eq!(
        failed["containerStatuses"][0]["state"]["terminated"]["reason"],
        "Error"
    );

    let initializing = status(&run(
        vec![running("init")],
        vec![Container::waiting("app", "img", "PodInitializing")],
        "Never",
        false,
    ));
    let initialized = condition(&initializing, "Initialized");
    assert_eq!(initialized["status"], "False");
    assert_eq!(initialized["reason"], "ContainersNotInitialized");
    assert_eq!(
        initialized["message"],
        "containers with incomplete status: [init]"
    );
    assert_eq!(
        initializing["initContainerStatuses"][0]["state"]["running"]["startedAt"],
        crate::clock::rfc3339(T + 1)
    );
}

#[test]
fn a_restarting_container_shows_its_last_run() {
    let status = status(&run(vec![], vec![restarting("app")], "Always", false));
    let app = &status["containerStatuses"][0];
    assert_eq!(app["restartCount"], 1);
    assert_eq!(app["state"]["waiting"]["reason"], "CrashLoopBackOff");
    assert_eq!(app["lastState"]["terminated"]["exitCode"], 1);
    assert_eq!(app["ready"], false);
}

#[test]
fn exit_reasons() {
    let cases = [
        ("clean", 0, false, "Completed"),
        ("error", 2, false, "Error"),
        ("oom", 137, true, "OOMKilled"),
    ];
    for (name, code, oom, want) in cases {
        assert_eq!(Ended::reason_for(code, oom), want, "case {name}");
    }
}
