#!/bin/sh
# Rebuilds the sysfs heap-link fixture trees under boards/<board>/sys.
# Each tree holds only what scanout reads: the heap links of the layout in
# docs/scanout-negotiation.md, the parent device's of_node/compatible,
# iommu_group where the board has an IOMMU, and /sys/devices/virtual/dma_heap.
# The links, priorities and compatibles are what a kernel with the proposed
# heap links would publish on that board; nothing here was captured.
set -eu
cd "$(dirname "$0")"

heapdir() { # board heapname
	mkdir -p "$1/sys/devices/virtual/dma_heap/$2"
	echo "DEVNAME=dma_heap/$2" > "$1/sys/devices/virtual/dma_heap/$2/uevent"
}
card() { # board card compatible...
	b=$1 c=$2; shift 2
	mkdir -p "$b/sys/class/drm/$c/device/of_node"
	printf '%s\0' "$@" > "$b/sys/class/drm/$c/device/of_node/compatible"
}
link() { # board card entry heap priority memory [planes]
	d="$1/sys/class/drm/$2/scanout_heaps/$3"
	mkdir -p "$d"
	ln -sfn "../../../../../devices/virtual/dma_heap/$4" "$d/heap"
	echo "$5" > "$d/priority"
	echo "$6" > "$d/memory"
	if [ $# -ge 7 ]; then echo "$7" > "$d/planes"; fi
}
iommu() { # board card group
	mkdir -p "$1/sys/kernel/iommu_groups/$3"
	ln -sfn "../../../../kernel/iommu_groups/$3" "$1/sys/class/drm/$2/device/iommu_group"
}

for b in rpi4 asahi imx8mm rzg2l spacemit broken; do rm -rf "$b/sys"; done

# Raspberry Pi 4: vc4 display (card1) without IOMMU, v3d render (renderD128).
heapdir rpi4 linux,cma; heapdir rpi4 system
card rpi4 card1 brcm,bcm2711-vc5
link rpi4 card1 cma linux,cma 100 contiguous

# Apple M2 (Asahi): DCP (card3) and touch-bar pipe (card1), both behind DART.
heapdir asahi system
card asahi card3 apple,display-subsystem; iommu asahi card3 7
card asahi card1 apple,t8112-display-pipe apple,h7-display-pipe; iommu asahi card1 8
link asahi card3 system system 10 system
link asahi card1 system system 10 system

# i.MX8M Mini, mainline mxsfb (LCDIF): no IOMMU, no links published.
heapdir imx8mm linux,cma; heapdir imx8mm system
card imx8mm card0 fsl,imx8mm-lcdif fsl,imx6sx-lcdif

# RZ/G2L: DU without IOMMU; links published with the CMA heap only.
heapdir rzg2l linux,cma; heapdir rzg2l system
card rzg2l card0 renesas,r9a07g044l-du renesas,rzg2l-du
link rzg2l card0 cma linux,cma 50 contiguous

# SpacemiT K1: nothing published; knowledge defers to the IOMMU source.
heapdir spacemit linux,cma; heapdir spacemit system
card spacemit card1 spacemit,saturn-le

# A tree with every kind of damage the reader must survive.
heapdir broken system
card broken card0 vendor,display
d=broken/sys/class/drm/card0/scanout_heaps
mkdir -p "$d/nolink" "$d/badprio"
ln -sfn ../../../../devices/virtual/dma_heap/gone "$d/gone"          # dangling bare link
ln -sfn ../../../../devices/virtual/dma_heap/system "$d/system"      # bare link, fine
echo not-a-link > "$d/plainfile"                                       # neither link nor dir
ln -sfn ../../../../../devices/virtual/dma_heap/system "$d/badprio/heap" # duplicate heap
echo "high" > "$d/badprio/priority"
ln -sfn ../../../../../devices/virtual/dma_heap/system "$d/nolink/x" # dir without heap link
