"""An independent vSphere client for the tests: Debian's pyVmomi (python3-pyvmomi) against vcsim.

    python3 pyvmomi_client.py HOST PORT USER PASSWORD VM_NAME

Lists the VMs through a ContainerView, powers VM_NAME off, tries to power it off again, powers it
on, and prints what it saw as one JSON line.
"""
import json
import ssl
import sys

try:
    from pyVim.connect import Disconnect, SmartConnect
    from pyVim.task import WaitForTask
    from pyVmomi import vim
except ImportError as error:
    sys.exit(f"pyVmomi is missing ({error}): install Debian's python3-pyvmomi")

host, port, user, password, vm_name = sys.argv[1:6]
# vcsim's certificate is made per run; the tests pin it on their own side.
service = SmartConnect(host=host, port=int(port), user=user, pwd=password,
                       sslContext=ssl._create_unverified_context())
try:
    content = service.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    machines = list(view.view)
    view.Destroy()
    vm = next(m for m in machines if m.name == vm_name)

    WaitForTask(vm.PowerOffVM_Task())
    after_off = vm.runtime.powerState
    try:
        WaitForTask(vm.PowerOffVM_Task())
        off_again = None
    except vim.fault.InvalidPowerState:
        off_again = "InvalidPowerState"
    WaitForTask(vm.PowerOnVM_Task())
    after_on = vm.runtime.powerState

    print(json.dumps({
        "about": {"name": content.about.name, "apiType": content.about.apiType,
                  "apiVersion": content.about.apiVersion},
        "vms": sorted(m.name for m in machines),
        "afterOff": after_off,
        "offAgain": off_again,
        "afterOn": after_on,
    }))
finally:
    Disconnect(service)
