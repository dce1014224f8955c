"""Drives the simulator with Debian's python3-os-xenapi XenAPI.py over XML-RPC and prints what it
saw as one JSON line. Usage: /usr/bin/python3 xenapi_client.py URL USER PASSWORD"""
import json
import ssl
import sys
import xmlrpc.client

from os_xenapi.client import XenAPI

url, user, password = sys.argv[1:4]
# The simulator's certificate is self-signed; this client has no pinning, so it skips verification.
transport = xmlrpc.client.SafeTransport(context=ssl._create_unverified_context())
session = XenAPI.Session(url, transport=transport)
session.xenapi.login_with_password(user, password, "1.0", "os-xenapi-test")
seen = {"api_version": session.API_version}
records = session.xenapi.VM.get_all_records()
seen["vm_names"] = sorted(vm["name_label"] for vm in records.values())
seen["memory_is_string"] = all(isinstance(vm["memory_static_max"], str) for vm in records.values())
try:
    session.xenapi.VM.get_record("OpaqueRef:no-such-vm")
    seen["failure"] = None
except XenAPI.Failure as failure:
    seen["failure"] = failure.details
running = next(ref for ref, vm in records.items() if vm["power_state"] == "Running" and not vm["is_control_domain"])
try:
    session.xenapi.VM.start(running, False, False)
except XenAPI.Failure as failure:
    seen["start_failure"] = failure.details
session.xenapi.session.logout()
print(json.dumps(seen))
