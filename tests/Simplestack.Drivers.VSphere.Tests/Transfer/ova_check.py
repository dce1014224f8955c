"""An independent reader of the gateway's OVA: Debian's Python tarfile and ElementTree, and
pyVmomi's OvfManager.CreateImportSpec (python3-pyvmomi) on its descriptor against vcsim.

    python3 ova_check.py OVA_PATH [HOST PORT USER PASSWORD]

Prints one JSON line: the tar members in order (name, size, sha256), the descriptor's VirtualSystem
name and References, and with a vcsim given the errors, warnings and file items CreateImportSpec
answered (the entity is named NAME-pyvmomi; nothing is created).
"""
import hashlib
import json
import ssl
import sys
import tarfile
import xml.etree.ElementTree as ET

OVF = "{http://schemas.dmtf.org/ovf/envelope/1}"

path = sys.argv[1]
members = []
descriptor = None
with tarfile.open(path, mode="r|") as archive:  # a stream: read forward, as the gateway writes it
    for member in archive:
        data = archive.extractfile(member).read()
        members.append({"name": member.name, "size": member.size, "type": member.type.decode(),
                        "sha256": hashlib.sha256(data).hexdigest()})
        if descriptor is None:
            descriptor = data.decode("utf-8")

root = ET.fromstring(descriptor)
system = root.find(OVF + "VirtualSystem")
result = {
    "members": members,
    "root": root.tag,
    "name": system.find(OVF + "Name").text,
    "references": [{"href": f.get(OVF + "href"), "size": int(f.get(OVF + "size"))}
                   for f in root.find(OVF + "References").findall(OVF + "File")],
    "disks": [{"capacity": int(d.get(OVF + "capacity")), "format": d.get(OVF + "format")}
              for d in root.find(OVF + "DiskSection").findall(OVF + "Disk")],
}

if len(sys.argv) > 2:
    try:
        from pyVim.connect import Disconnect, SmartConnect
        from pyVmomi import vim
    except ImportError as error:
        sys.exit(f"pyVmomi is missing ({error}): install Debian's python3-pyvmomi")
    host, port, user, password = sys.argv[2:6]
    service = SmartConnect(host=host, port=int(port), user=user, pwd=password,
                           sslContext=ssl._create_unverified_context())
    try:
        content = service.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.ComputeResource], True)
        compute = sorted(view.view, key=lambda c: c.name)[0]
        view.Destroy()
        params = vim.OvfManager.CreateImportSpecParams(entityName=result["name"] + "-pyvmomi")
        spec = content.ovfManager.CreateImportSpec(descriptor, compute.resourcePool, compute.datastore[0], params)
        result["importSpec"] = {
            "errors": [e.localizedMessage or type(e.fault).__name__ for e in spec.error],
            "warnings": [w.localizedMessage or type(w.fault).__name__ for w in spec.warning],
            "fileItems": sorted(f.path for f in spec.fileItem),
            "type": type(spec.importSpec).__name__,
        }
    finally:
        Disconnect(service)

print(json.dumps(result))
