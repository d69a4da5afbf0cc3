"""Several accounts in one emulator (issues 8 and 9), the control API per account, scale, and
running from an installed collection tree."""

from __future__ import annotations

import ipaddress
import json
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from conftest import ALL_DEMO_IPS, Api, add_fault, error_of, ip_state
from emulator_process import EMULATOR_SCRIPT, EmulatorProcess, demo_seed


def accounts_seed(count: int = 3, ips_each: int = 5) -> dict[str, Any]:
    docs = []
    for number in range(count):
        first = int(ipaddress.IPv4Address("10.2.0.1")) + number * 256
        docs.append({"id": f"acct-{number}", "api_key": f"SG.acct-{number}",
                     "subusers": [{"username": f"a{number}-sub", "id": 2000 + number}],
                     "ips": [{"ip": str(ipaddress.IPv4Address(first + n))} for n in range(ips_each)]})
    return {"accounts": docs}


@pytest.fixture
def world(emulator: EmulatorProcess) -> EmulatorProcess:
    emulator.reset(accounts_seed())
    return emulator


def ips_of(api: Api) -> list[str]:
    return [i["ip"] for i in api.get("/v3/ips", limit=500).json()]


def test_each_key_reaches_its_own_account(world: EmulatorProcess) -> None:
    clients = [Api(world, api_key=f"SG.acct-{n}") for n in range(3)]
    assert [ips_of(c)[0] for c in clients] == ["10.2.0.1", "10.2.1.1", "10.2.2.1"]
    assert ips_of(Api(world)) == ips_of(clients[0])                 # --api-key reaches the first account
    assert clients[1]("PUT", "/v3/subusers/a1-sub/ips", json=["10.2.1.2"]).status_code == 200
    assert error_of(clients[0]("PUT", "/v3/subusers/a1-sub/ips", json=["10.2.1.2"]), 404)   # not its subuser
    assert ip_state(world, "10.2.1.2", account="acct-1")["subusers"] == ["a1-sub"]
    assert [e["account"] for e in world.requests_log()[-2:]] == ["acct-1", "acct-0"]
    assert [e["path"] for e in world.requests_log(account="acct-1")] == ["/v3/ips", "/v3/subusers/a1-sub/ips"]
    # Usernames are unique across accounts, as SendGrid's are.
    taken = clients[0]("POST", "/v3/subusers", json={"username": "a1-sub", "email": "x@example.com",
                                                     "password": "long-enough-1", "ips": ["10.2.0.1"]})
    assert error_of(taken)["message"] == "username exists"
    for client in clients:
        client.close()


def test_state_and_reset_per_account(world: EmulatorProcess) -> None:
    state = world.state()
    assert [a["id"] for a in state["accounts"]] == ["acct-0", "acct-1", "acct-2"]
    world.reset(demo_seed(), account="acct-2")
    assert [i["ip"] for i in world.state("acct-2")["ips"]] == ALL_DEMO_IPS
    assert world.state("acct-0") == {k: v for k, v in state["accounts"][0].items()
                                     if k not in ("id", "api_key", "customers")}
    assert world.state()["accounts"][0]["ips"] == state["accounts"][0]["ips"]
    assert ips_of(Api(world, api_key="SG.acct-2")) == ALL_DEMO_IPS          # the key stays
    world.reset(world.state())
    assert world.state()["accounts"][2]["api_key"] == "SG.acct-2"
    assert world.control("GET", "state", params={"account": "nope"}).status_code == 400


def test_single_account_seeds_keep_their_format(emulator: EmulatorProcess) -> None:
    emulator.reset()
    state = emulator.state()
    assert "accounts" not in state and [i["ip"] for i in state["ips"]] == ALL_DEMO_IPS
    emulator.reset(state)
    assert emulator.state() == state


def test_accounts_can_be_added_and_removed(world: EmulatorProcess) -> None:
    added = world.control("POST", "accounts", json={"id": "late", "api_key": "SG.late", "ips": [{"ip": "10.9.0.1"}]})
    assert added.status_code == 200, added.text
    assert ips_of(Api(world, api_key="SG.late")) == ["10.9.0.1"]
    assert [a["id"] for a in world.control("GET", "accounts").json()] == ["acct-0", "acct-1", "acct-2", "late"]
    duplicate = world.control("POST", "accounts", json={"id": "late2", "api_key": "SG.acct-1"})
    assert duplicate.status_code == 400 and "key" in duplicate.json()["error"]
    assert world.control("DELETE", "accounts/late").status_code == 200
    assert Api(world, api_key="SG.late").get("/v3/ips").status_code == 401


@pytest.mark.parametrize("seed, message", [
    ({"accounts": []}, "non-empty"),
    ({"accounts": [{"id": "a"}, {"id": "a"}]}, "duplicate account id"),
    ({"accounts": [{"id": "a", "api_key": "k"}, {"id": "b", "api_key": "k"}]}, "another account has this key"),
    ({"accounts": [{"id": "a", "customers": ["ghost"]}]}, "'ghost' is not another account"),
    ({"accounts": [{"id": "a", "customers": ["b"]}, {"id": "c", "customers": ["b"]}, {"id": "b"}]},
     "customer of 'a' already"),
    ({"accounts": [{"id": "bad id"}]}, "accounts[0] (bad id).id"),
    ({"accounts": [{"id": "a", "ips": [{"ip": "192.0.2.1", "subusers": ["ghost"]}]}]},
     "accounts[0] (a).ips[0] (192.0.2.1).subusers: unknown subuser 'ghost'"),
    ({"accounts": [{"id": "a", "apikey": "x"}]}, "apikey"),
])
def test_multi_account_seeds_are_checked_strictly(emulator: EmulatorProcess, seed: dict[str, Any],
                                                  message: str) -> None:
    emulator.reset()
    response = emulator.control("POST", "reset", json=seed)
    assert response.status_code == 400 and message in response.json()["error"], response.text
    assert "accounts" not in emulator.state()


def test_faults_and_rate_limits_per_account(world: EmulatorProcess) -> None:
    first, second = Api(world, api_key="SG.acct-0"), Api(world, api_key="SG.acct-1")
    add_fault(world, path="/v3/ips", status=503, account="acct-1", count=5)
    assert first.get("/v3/ips").status_code == 200 and second.get("/v3/ips").status_code == 503
    world.control("DELETE", "faults", params={"account": "acct-1"})
    assert second.get("/v3/ips").status_code == 200
    # A global rule counts per account, like SendGrid's limits; an account rule touches one account.
    world.control("POST", "rate_limits", json={"path": "/v3/ips", "limit": 1})
    assert [first.get("/v3/ips").status_code for _n in range(2)] == [200, 429]
    assert second.get("/v3/ips").status_code == 200
    world.control("DELETE", "rate_limits")
    world.control("POST", "rate_limits", json={"path": "/v3/ips", "limit": 1, "account": "acct-2"})
    third = Api(world, api_key="SG.acct-2")
    assert [third.get("/v3/ips").status_code for _n in range(2)] == [200, 429]
    assert [first.get("/v3/ips").status_code for _n in range(2)] == [200, 200]
    assert world.control("POST", "faults", json={"path": "/v3/ips", "status": 500, "account": "ghost"}).status_code \
        == 400
    for client in (first, second, third):
        client.close()


def test_twenty_accounts_at_once(emulator: EmulatorProcess) -> None:
    emulator.reset(accounts_seed(20, ips_each=50))
    errors: list[str] = []

    def converge(number: int) -> None:
        client = Api(emulator, api_key=f"SG.acct-{number}")
        try:
            for round_number in range(5):
                ips = ips_of(client)
                wanted = ips[round_number:round_number + 3]
                response = client("PUT", f"/v3/subusers/a{number}-sub/ips", json=wanted)
                if response.json() != {"ips": wanted}:
                    errors.append(f"acct-{number}: {response.text}")
        finally:
            client.close()

    threads = [threading.Thread(target=converge, args=(n,)) for n in range(20)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    assert not errors, errors[:3]
    for number in range(20):
        assert len(emulator.requests_log(account=f"acct-{number}")) == 10
        assert emulator.state(f"acct-{number}")["ips"][4]["subusers"] == [f"a{number}-sub"]
    print(f"\n20 accounts x 5 rounds of list + PUT: {elapsed:.3f} s")


def page_time(emulator: EmulatorProcess, ips: int, subusers: int) -> float:
    first = int(ipaddress.IPv4Address("10.4.0.1"))
    assigned = [{"subusers": [f"s{n}"]} if n < subusers else {} for n in range(ips)]
    emulator.reset({"subusers": [{"username": f"s{n}", "id": 9000 + n} for n in range(subusers)],
                    "ips": [{"ip": str(ipaddress.IPv4Address(first + n)), **assigned[n]} for n in range(ips)]})
    client = Api(emulator)
    times = []
    for offset in range(0, ips, max(500, ips // 8)):
        started = time.perf_counter()
        assert client.get("/v3/ips", limit=500, offset=offset).status_code == 200
        times.append(time.perf_counter() - started)
    for _page in range(4):
        started = time.perf_counter()
        client.get("/v3/send_ips/ips", limit=500)
        times.append(time.perf_counter() - started)
    client.close()
    return statistics.median(times)


def test_a_page_costs_what_it_holds_not_the_account_size(emulator: EmulatorProcess) -> None:
    small = page_time(emulator, 1000, 250)
    large = page_time(emulator, 20000, 5000)
    print(f"\nmedian page of 500 (GET /v3/ips, /v3/send_ips/ips): 1,000 IPs {small * 1000:.1f} ms, "
          f"20,000 IPs {large * 1000:.1f} ms")
    assert large < 3 * small + 0.01                      # an O(N) page would be ~20 times slower
    emulator.reset()


def test_runs_from_an_installed_collection_tree(tmp_path: Path) -> None:
    tree = tmp_path / "collections" / "ansible_collections" / "mailops" / "sendgrid" / "tests" / "emulator"
    shutil.copytree(EMULATOR_SCRIPT.parent, tree, ignore=shutil.ignore_patterns("__pycache__", "test_*.py"))
    seed = tmp_path / "my-seed.json"
    seed.write_text(json.dumps({"ips": [{"ip": "192.0.2.77"}]}), encoding="utf-8")
    port_file = tmp_path / "port"
    process = subprocess.Popen([sys.executable, str(tree / "sendgrid_emulator.py"), "--api-key", "SG.mine",
                                "--seed", str(seed), "--port", "0", "--port-file", str(port_file)],
                               cwd=tmp_path, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        port = int(port_file.read_text(encoding="utf-8"))
        listed = requests.get(f"http://127.0.0.1:{port}/v3/ips", headers={"Authorization": "Bearer SG.mine"},
                              timeout=10)
        assert [i["ip"] for i in listed.json()] == ["192.0.2.77"]
    finally:
        process.terminate()
        process.wait(timeout=10)
