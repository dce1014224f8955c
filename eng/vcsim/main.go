// Command vcsim runs VMware's vCenter/ESX simulator (govmomi's simulator library, as Debian ships
// it in golang-github-vmware-govmomi-dev 0.24.2, which has no vcsim command) on 127.0.0.1:PORT.
// eng/vcsim/run.sh builds and starts it; see eng/vcsim/README.md.
//
//	vcsim -port PORT [-esx] [-vms N] [-user U] [-password P] [-tlscert FILE -tlskey FILE]
//
// Once the server answers, it prints its URL on stdout and one line on stderr:
//
//	vcsim: <kind> https://127.0.0.1:PORT/sdk, N VMs, datastore DIR, certificate sha256 HEX
//
// On SIGTERM or SIGINT it removes its datastore folders and exits 0.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"

	// The vAPI REST endpoints (/rest/com/vmware/cis/session, tags), as upstream vcsim registers them.
	_ "github.com/vmware/govmomi/vapi/simulator"
)

func main() {
	port := flag.Int("port", 0, "TCP port on 127.0.0.1 (required)")
	isESX := flag.Bool("esx", false, "a standalone ESX host instead of vCenter")
	extra := flag.Int("vms", 0, "VMs to add to the default inventory, named bench-0001, bench-0002, ...")
	user := flag.String("user", "root", "the only user name Login accepts")
	password := flag.String("password", "simplestack", "the only password Login accepts")
	certFile := flag.String("tlscert", "", "PEM certificate to serve (with -tlskey) instead of one made for this run")
	keyFile := flag.String("tlskey", "", "PEM private key of -tlscert")
	flag.Parse()
	if *port <= 0 || *port > 65535 || *extra < 0 || flag.NArg() != 0 || (*certFile == "") != (*keyFile == "") {
		flag.Usage()
		os.Exit(2)
	}
	address := net.JoinHostPort("127.0.0.1", strconv.Itoa(*port))

	// Fail before building the inventory (seconds with -vms 1000) when the port is taken; the
	// simulator itself would panic on it.
	probe, err := net.Listen("tcp", address)
	if err != nil {
		fail("cannot listen on %s: %v", address, err)
	}
	_ = probe.Close()

	// A given certificate survives restarts, as a real host's does (the pin stays valid).
	var certificate tls.Certificate
	if *certFile != "" {
		certificate, err = tls.LoadX509KeyPair(*certFile, *keyFile)
	} else {
		certificate, err = selfSigned()
	}
	if err != nil {
		fail("certificate: %v", err)
	}

	// The model makes each datastore a temporary folder (govcsim-*, with every VM's .vmx and
	// disks) under TMPDIR: one folder of ours holds them all, so that a stop at any moment, even
	// while the inventory is being built, removes everything with one RemoveAll and without
	// touching the simulator's maps from another goroutine.
	root, err := os.MkdirTemp("", "simplestack-vcsim-")
	if err != nil {
		fail("temporary folder: %v", err)
	}
	if err := os.Setenv("TMPDIR", root); err != nil {
		fail("TMPDIR: %v", err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		// Model.Remove would also stop VMs' containers, which this launcher never creates.
		_ = os.RemoveAll(root)
		os.Exit(0)
	}()

	// The hosts advertise the port clients reach them on, as upstream vcsim does.
	esx.HostSystem.Summary.Config.Port = int32(*port)

	model := simulator.VPX()
	kind := "vCenter (VPX)"
	if *isESX {
		model = simulator.ESX()
		kind = "ESX"
	}
	if err := model.Create(); err != nil {
		failAndRemove(root, "inventory: %v", err)
	}
	if err := addMachines(model, *isESX, *extra); err != nil {
		failAndRemove(root, "adding %d VMs: %v", *extra, err)
	}

	model.Service.RegisterEndpoints = true
	model.Service.Listen = &url.URL{Host: address, User: url.UserPassword(*user, *password)}
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{certificate}}
	model.Service.NewServer()

	sdk := "https://" + address + "/sdk"
	if err := waitUntilServing(sdk, certificate); err != nil {
		failAndRemove(root, "not answering: %v", err)
	}
	fmt.Println(sdk)
	fingerprint := sha256.Sum256(certificate.Certificate[0])
	fmt.Fprintf(os.Stderr, "vcsim: %s %s, %d VMs, datastore %s, certificate sha256 %X\n",
		kind, sdk, len(simulator.Map.All("VirtualMachine")), strings.Join(datastoreFolders(), " "), fingerprint)

	select {} // until the signal handler above exits
}

// addMachines adds n powered-on VMs like the model's own (a SCSI disk, a CD-ROM and a NIC on the
// model's VM network), in the cluster's pool on vCenter or the host's pool on ESX.
func addMachines(model *simulator.Model, isESX bool, n int) error {
	if n == 0 {
		return nil
	}
	ctx := context.Background()
	// The Service is also a SOAP round-tripper that calls the simulator in process, without HTTP.
	client, err := vim25.NewClient(ctx, model.Service)
	if err != nil {
		return err
	}
	finder := find.NewFinder(client, false)
	datacenter, err := finder.DefaultDatacenter(ctx)
	if err != nil {
		return err
	}
	finder.SetDatacenter(datacenter)
	folders, err := datacenter.Folders(ctx)
	if err != nil {
		return err
	}
	var pool *object.ResourcePool
	if isESX {
		pool, err = finder.DefaultResourcePool(ctx)
	} else {
		pool, err = finder.ResourcePool(ctx, "DC0_C0/Resources")
	}
	if err != nil {
		return err
	}
	backing, err := networkBacking(ctx, client)
	if err != nil {
		return err
	}

	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("bench-%04d", i)
		var devices object.VirtualDeviceList
		scsi, _ := devices.CreateSCSIController("pvscsi")
		ide, _ := devices.CreateIDEController()
		cdrom, _ := devices.CreateCdrom(ide.(*types.VirtualIDEController))
		disk := devices.CreateDisk(scsi.(types.BaseVirtualController), types.ManagedObjectReference{},
			"[LocalDS_0] "+name+"/disk1.vmdk")
		disk.CapacityInKB = 1024
		nic := esx.EthernetCard
		nic.Backing = backing
		devices = append(devices, scsi, cdrom, disk, &nic)
		config := types.VirtualMachineConfigSpec{
			Name:    name,
			GuestId: string(types.VirtualMachineGuestOsIdentifierOtherGuest),
			Files:   &types.VirtualMachineFileInfo{VmPathName: "[LocalDS_0]"},
		}
		if config.DeviceChange, err = devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd); err != nil {
			return err
		}
		task, err := folders.VmFolder.CreateVM(ctx, config, pool, nil)
		if err != nil {
			return err
		}
		info, err := task.WaitForResult(ctx, nil)
		if err != nil {
			return err
		}
		vm := object.NewVirtualMachine(client, info.Result.(types.ManagedObjectReference))
		task, err = vm.PowerOn(ctx)
		if err != nil {
			return err
		}
		if err = task.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// networkBacking is the first NIC backing of a VM the model made: a DVS port group on vCenter,
// "VM Network" on ESX.
func networkBacking(ctx context.Context, client *vim25.Client) (types.BaseVirtualDeviceBackingInfo, error) {
	for _, entity := range simulator.Map.All("VirtualMachine") {
		vm := object.NewVirtualMachine(client, entity.Reference())
		devices, err := vm.Device(ctx)
		if err != nil {
			return nil, err
		}
		for _, nic := range devices.SelectByType((*types.VirtualEthernetCard)(nil)) {
			return nic.GetVirtualDevice().Backing, nil
		}
	}
	return esx.EthernetCard.Backing, nil
}

// datastoreFolders are the local folders behind the datastores, which Model.Remove deletes.
func datastoreFolders() []string {
	var folders []string
	for _, entity := range simulator.Map.All("Datastore") {
		if ds, ok := entity.(*simulator.Datastore); ok {
			folders = append(folders, ds.Info.GetDatastoreInfo().Url)
		}
	}
	return folders
}

// selfSigned makes a certificate for 127.0.0.1 per run, so that each run has its own pin (the
// simulator's default is the Go test certificate, whose private key is public).
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	template := x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "127.0.0.1", Organization: []string{"Simplestack vcsim"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, &template, &template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// waitUntilServing asks the SDK's version list over TLS until it answers 200, trusting only our
// certificate.
func waitUntilServing(sdk string, certificate tls.Certificate) error {
	parsed, err := x509.ParseCertificate(certificate.Certificate[0])
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	roots.AddCert(parsed)
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}},
	}
	for attempt := 0; ; attempt++ {
		response, err := client.Get(sdk + "/vimServiceVersions.xml")
		if err == nil {
			_ = response.Body.Close()
			if response.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %d", response.StatusCode)
		}
		if attempt == 50 {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func failAndRemove(root string, format string, args ...interface{}) {
	_ = os.RemoveAll(root)
	fail(format, args...)
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "vcsim: "+format+"\n", args...)
	os.Exit(1)
}
