package cpu

import (
	"encoding/binary"
	"fmt"
	"image"
)

// chunk is the number of pixels staged at a time through the scratch
// buffers, which live on the stack (2 x 1 KiB).
const chunk = 256

type scratch [chunk * 4]byte

// plan is one validated operation, resolved once so the per-row work is
// straight-line: formats as kinds, the operator after simplification, and
// for transformed or scaled draws the 16.16 fixed-point affine map from
// destination pixel centres to source coordinates.
type plan struct {
	dst, src *Image
	dk, sk   kind
	op       Op
	alpha    uint32
	wbgr     bool // work order: ABGR (red in the low byte) instead of ARGB

	sr, dr image.Rectangle // source and destination rectangles

	nt bool // large copy or RGB565 expansion: non-temporal stores (see ntMin)

	affine bool // scaled or transformed
	filter Filter
	// Source position of destination pixel (i, j) of dr, relative to
	// sr.Min, in 16.16 fixed point: (a*i + b*j + c, d*i + e*j + f).
	a, b, c, d, e, f int64
}

// Composite draws src into dst as b describes, touching only the parts of
// b.Dst inside dst and inside the union of damage (destination pixels;
// nil or empty means no clipping). Damage rectangles must not overlap, as
// the rectangles of a region never do: Over would blend twice. The pixels
// of src and dst must not share memory (scrolling within one buffer needs
// a copy through another): the kernels read and write in whatever order
// is fastest, so the result would be unspecified, though no byte outside
// dst is ever written.
//
// Formats convert as needed: sources may be any of Formats() and NV12,
// destinations any of Formats(). A source without alpha is opaque. Over a
// destination without alpha the X byte receives the blended alpha.
//
// Everything is validated before any pixel is touched; on error dst is
// unchanged. Composite allocates nothing and is safe for concurrent use on
// distinct destinations.
func Composite(dst, src *Image, b *Blit, damage []image.Rectangle) error {
	const opName = "cpu.Composite"
	var p plan
	var err error
	if p.dk, err = dst.check(opName, "dst"); err != nil {
		return err
	}
	if p.dk == kNV12 {
		return &Error{Op: opName, Arg: "dst", Err: ErrFormat, Detail: "NV12 is accepted as a source only"}
	}
	if p.sk, err = src.check(opName, "src"); err != nil {
		return err
	}
	if b.Op > Over {
		return &Error{Op: opName, Arg: "op", Err: ErrArg, Detail: fmt.Sprintf("operator %d is neither Src nor Over", b.Op)}
	}
	if b.Transform > Flipped270 {
		return &Error{Op: opName, Arg: "transform", Err: ErrArg, Detail: fmt.Sprintf("transform %d is not a wl_output.transform (0..7)", b.Transform)}
	}
	if b.Filter > Nearest {
		return &Error{Op: opName, Arg: "filter", Err: ErrArg, Detail: fmt.Sprintf("filter %d is neither Bilinear nor Nearest", b.Filter)}
	}
	p.sr = b.Src
	if p.sr == (image.Rectangle{}) {
		p.sr = src.Bounds()
	}
	if p.sr.Empty() || !p.sr.In(src.Bounds()) {
		return &Error{Op: opName, Arg: "srcRect", Err: ErrRect,
			Detail: fmt.Sprintf("%v is empty or not inside the %dx%d source", p.sr, src.Width, src.Height)}
	}
	tw, th := p.sr.Dx(), p.sr.Dy()
	if b.Transform.Swaps() {
		tw, th = th, tw
	}
	p.dr = b.Dst
	if p.dr == (image.Rectangle{}) {
		p.dr = image.Rect(0, 0, tw, th)
	}
	if err := checkDstRect(opName, "dstRect", p.dr); err != nil {
		return err
	}
	p.dst, p.src = dst, src
	p.op, p.alpha, p.filter = b.Op, uint32(b.Alpha), b.Filter
	if p.op == Over && p.alpha == 0 {
		return nil // invisible
	}
	if p.op == Over && p.alpha == 0xff && !p.sk.hasAlpha() {
		p.op = Src // an opaque source replaces
	}
	p.wbgr = p.dk.bgr()
	if b.Transform != Normal || tw != p.dr.Dx() || th != p.dr.Dy() {
		p.setAffine(b.Transform)
	}
	clip := p.dr.Intersect(dst.Bounds())
	// A copy or RGB565 expansion that overflows the caches anyway writes
	// with non-temporal stores (SIMD builds): no read of the destination
	// before each write.
	p.nt = simdOK && !p.affine && p.op == Src && p.alpha == 0xff &&
		(p.sk == p.dk || p.sk == kRGB565 && p.dk.is8888() && !p.dk.bgr()) &&
		clip.Dx()*clip.Dy()*p.dk.bpp() >= ntMin
	if len(damage) == 0 {
		p.run(clip)
	} else {
		var m merger
		for _, d := range damage {
			if r, ok := m.add(d.Intersect(clip)); ok {
				p.run(r)
			}
		}
		p.run(m.pend)
	}
	if p.nt {
		sfence() // the stores are visible before the caller hands dst on
	}
	return nil
}

// ntMin is the destination size from which same-format copies and RGB565
// expansions use non-temporal stores: half a 1080p XRGB8888 frame, beyond
// the L2 of the machines measured, so the destination would not have
// stayed in a private cache anyway. Measured in docs/render-cpu.md.
const ntMin = 4 << 20

// merger coalesces consecutive damage rectangles that share a row span
// and touch horizontally, or share a column span and touch vertically,
// as a region's rectangles often do (a grid of tiles becomes bands):
// long rows run at streaming speed where 64-pixel rows wait on memory.
// The union is unchanged because damage rectangles are disjoint.
type merger struct{ pend image.Rectangle }

// add takes the next rectangle and returns one to draw, if any.
func (m *merger) add(r image.Rectangle) (image.Rectangle, bool) {
	if r.Empty() {
		return image.Rectangle{}, false
	}
	p := m.pend
	switch {
	case p.Empty():
		m.pend = r
		return image.Rectangle{}, false
	case r.Min.Y == p.Min.Y && r.Max.Y == p.Max.Y && r.Min.X == p.Max.X:
		m.pend.Max.X = r.Max.X
		return image.Rectangle{}, false
	case r.Min.X == p.Min.X && r.Max.X == p.Max.X && r.Min.Y == p.Max.Y:
		m.pend.Max.Y = r.Max.Y
		return image.Rectangle{}, false
	}
	m.pend = r
	return p, true
}

// checkDstRect bounds destination geometry so later arithmetic cannot
// overflow, and rejects empty rectangles.
func checkDstRect(op, arg string, r image.Rectangle) error {
	if r.Empty() {
		return &Error{Op: op, Arg: arg, Err: ErrRect, Detail: fmt.Sprintf("%v is empty", r)}
	}
	if r.Min.X < -MaxCoord || r.Min.Y < -MaxCoord || r.Max.X > MaxCoord || r.Max.Y > MaxCoord {
		return &Error{Op: op, Arg: arg, Err: ErrRect, Detail: fmt.Sprintf("%v has coordinates beyond ±%d", r, MaxCoord)}
	}
	return nil
}

// inverse maps of the transforms: the source coordinate (u, v), normalised
// to [0,1], as uc + ux*x + uy*y (same for v) of the normalised destination
// coordinate (x, y). Transform.Map in package render is the forward map.
var inverse = [8][6]int8{
	// ux, uy, uc, vx, vy, vc
	Normal:     {1, 0, 0, 0, 1, 0},
	Rotate90:   {0, -1, 1, 1, 0, 0},
	Rotate180:  {-1, 0, 1, 0, -1, 1},
	Rotate270:  {0, 1, 0, -1, 0, 1},
	Flipped:    {-1, 0, 1, 0, 1, 0},
	Flipped90:  {0, 1, 0, 1, 0, 0},
	Flipped180: {1, 0, 0, 0, -1, 1},
	Flipped270: {0, -1, 1, -1, 0, 1},
}

// setAffine builds the fixed-point map exactly as pixman evaluates a
// transform matrix at pixel centres (pixman_transform_point_31_16): the
// integer parts multiply exactly and the half-pixel offsets are summed,
// then rounded once. The matrix entries are the scale factors
// (source size << 16) / destination size, truncated, which is also the
// matrix the differential tests give pixman.
func (p *plan) setAffine(t Transform) {
	p.affine = true
	sw, sh := int64(p.sr.Dx()), int64(p.sr.Dy())
	dw, dh := int64(p.dr.Dx()), int64(p.dr.Dy())
	m := inverse[t]
	p.a = int64(m[0]) * (sw << 16 / dw)
	p.b = int64(m[1]) * (sw << 16 / dh)
	p.c = int64(m[2]) * (sw << 16)
	p.d = int64(m[3]) * (sh << 16 / dw)
	p.e = int64(m[4]) * (sh << 16 / dh)
	p.f = int64(m[5]) * (sh << 16)
}

// at returns the source position of destination pixel (i, j) of dr.
func (p *plan) at(i, j int) (vx, vy int64) {
	x, y := int64(i), int64(j)
	vx = p.a*x + p.b*y + p.c + ((p.a+p.b)*0x8000+0x8000)>>16
	vy = p.d*x + p.e*y + p.f + ((p.d+p.e)*0x8000+0x8000)>>16
	return vx, vy
}

// run draws the part r (already clipped to dr and dst) of the operation.
func (p *plan) run(r image.Rectangle) {
	if r.Empty() {
		return
	}
	var sbuf, dbuf scratch
	dst := p.dst
	dbpp := p.dk.bpp()
	w := r.Dx()
	if p.contiguousCopy(r) {
		// Whole rows of both images with no padding: one copy, which
		// memmove does with non-temporal stores when it is large.
		n := r.Dy() * dst.Stride
		sy := p.sr.Min.Y + r.Min.Y - p.dr.Min.Y
		if p.nt {
			copyNT(dst.Pix[r.Min.Y*dst.Stride:][:n], p.src.Pix[sy*p.src.Stride:][:n])
		} else {
			copy(dst.Pix[r.Min.Y*dst.Stride:][:n], p.src.Pix[sy*p.src.Stride:][:n])
		}
		return
	}
	if p.rowCopy() {
		// Same format, no conversion: short rows (damage tiles) with
		// copyRect's prefetching copy, others one copy per row,
		// without direct's per-row dispatch.
		src := p.src
		n := w * dbpp
		do := r.Min.Y*dst.Stride + r.Min.X*dbpp
		so := (p.sr.Min.Y+r.Min.Y-p.dr.Min.Y)*src.Stride + (p.sr.Min.X+r.Min.X-p.dr.Min.X)*dbpp
		if simdOK && copyRect(dst.Pix[do:], src.Pix[so:], n, dst.Stride, src.Stride, r.Dy()) {
			return
		}
		for range r.Dy() {
			if p.nt {
				copyNT(dst.Pix[do:do+n], src.Pix[so:so+n])
			} else {
				copy(dst.Pix[do:do+n], src.Pix[so:so+n])
			}
			do += dst.Stride
			so += src.Stride
		}
		return
	}
	// OVER of short rows (damage tiles): the rows lie a stride apart,
	// farther than the hardware prefetchers follow, so each row's lines
	// are prefetched four rows ahead.
	ahead := simdOK && p.op == Over && !p.affine && p.sk.is8888() && p.dk.is8888() && w*dbpp <= 1024
	for y := r.Min.Y; y < r.Max.Y; y++ {
		drow := dst.Pix[y*dst.Stride+r.Min.X*dbpp:][:w*dbpp]
		i, j := r.Min.X-p.dr.Min.X, y-p.dr.Min.Y
		if !p.affine {
			sx, sy := p.sr.Min.X+i, p.sr.Min.Y+j
			if ahead && y+4 < r.Max.Y {
				// Rows inside r, and their source rows inside sr.
				so := (sy+4)*p.src.Stride + sx*4
				prefetch2(p.src.Pix[so:so+w*4], dst.Pix[(y+4)*dst.Stride+r.Min.X*4:][:w*4])
			}
			if p.direct(drow, sx, sy, w) {
				continue
			}
			for off := 0; off < w; off += chunk {
				n := min(chunk, w-off)
				s := p.fetch(&sbuf, sx+off, sy, n)
				p.combine(drow[off*dbpp:], s, n, &sbuf, &dbuf)
			}
			continue
		}
		if p.b != 0 || (p.d == 0 && p.sk.is8888()) {
			continue // below: rotations in column blocks, scaling by columns
		}
		for off := 0; off < w; off += chunk {
			n := min(chunk, w-off)
			vx, vy := p.at(i+off, j)
			var s []byte
			if p.filter == Nearest || !p.scaled() {
				s = p.fetchNearest(&sbuf, vx, vy, n)
			} else {
				s = p.fetchBilinear(&sbuf, vx, vy, n)
			}
			p.combine(drow[off*dbpp:], s, n, &sbuf, &dbuf)
		}
	}
	if p.affine && p.b == 0 && p.d == 0 && p.sk.is8888() {
		p.runScaled(r, &sbuf, &dbuf)
		return
	}
	if !p.affine || p.b == 0 {
		return
	}
	// Rotated by 90 or 270 degrees: a destination row walks down a source
	// column, touching one cache line per pixel. Going through the
	// rectangle in blocks of rotBlock columns keeps those lines in L1 for
	// the next rows, which read the neighbouring pixels. Unscaled 8888
	// sources go through 8x8 tile transposes instead (rotate8), 8 rows at
	// a time; the rows left over take the per-row path.
	y0 := r.Min.Y
	if p.sk.is8888() && !p.scaled() {
		y0 = p.runRotated(r, &sbuf, &dbuf)
	}
	for bx := r.Min.X; bx < r.Max.X; bx += rotBlock {
		n := min(rotBlock, r.Max.X-bx)
		for y := y0; y < r.Max.Y; y++ {
			drow := dst.Pix[y*dst.Stride+bx*dbpp:][:n*dbpp]
			vx, vy := p.at(bx-p.dr.Min.X, y-p.dr.Min.Y)
			var s []byte
			if p.filter == Nearest || !p.scaled() {
				s = p.fetchNearest(&sbuf, vx, vy, n)
			} else {
				s = p.fetchBilinear(&sbuf, vx, vy, n)
			}
			p.combine(drow, s, n, &sbuf, &dbuf)
		}
	}
}

// rotBlock is the column block of rotations (see run).
const rotBlock = 64

// runRotated draws the rows of r in whole groups of 8 for an unscaled 8888
// source rotated by 90 or 270 degrees (flipped or not), with 8x8 tile
// transposes, and returns the first row it left to the caller.
func (p *plan) runRotated(r image.Rectangle, sbuf, dbuf *scratch) int {
	var strip [8 * rotBlock * 4]byte
	dst, src := p.dst, p.src
	dbpp := p.dk.bpp()
	sw, sh := int64(p.sr.Dx()), int64(p.sr.Dy())
	// A step along a destination row moves d>>16 source rows (a is 0);
	// a step down moves b>>16 source columns (e is 0).
	stepI := int(p.d>>16) * src.Stride
	stepJ := int(p.b>>16) * 4
	direct := p.op == Src && p.alpha == 0xff && p.dk.is8888()
	// toWork, folded: the transpose sets the alpha of X sources.
	or, swap := opaqueBits(p.sk), p.sk.bgr() != p.wbgr
	y := r.Min.Y
	for ; y+8 <= r.Max.Y; y += 8 {
		for bx := r.Min.X; bx < r.Max.X; bx += rotBlock {
			n := min(rotBlock, r.Max.X-bx)
			vx, vy := p.at(bx-p.dr.Min.X, y-p.dr.Min.Y)
			sx := min(max((vx-1)>>16, 0), sw-1) + int64(p.sr.Min.X)
			sy := min(max((vy-1)>>16, 0), sh-1) + int64(p.sr.Min.Y)
			off := int(sy)*src.Stride + int(sx)*4
			out, ostride := strip[:], rotBlock*4
			if direct {
				out, ostride = dst.Pix[y*dst.Stride+bx*4:], dst.Stride
			}
			first := off
			if stepJ < 0 {
				first -= 28 // the 8 pixels of a column run right to left
			}
			nt := n / 8
			rotate8(out, ostride, src.Pix, first, stepI, stepJ < 0, nt, or)
			for j := 0; j < 8; j++ {
				row := out[j*ostride:][:n*4]
				for i := 8 * nt; i < n; i++ {
					o := off + i*stepI + j*stepJ
					binary.LittleEndian.PutUint32(row[4*i:], binary.LittleEndian.Uint32(src.Pix[o:])|or)
				}
				if swap {
					swapRB(row, row, n, 0)
				}
				if !direct {
					p.combine(dst.Pix[(y+j)*dst.Stride+bx*dbpp:], row, n, sbuf, dbuf)
				}
			}
		}
	}
	return y
}

// rowCopy reports whether every row of the operation is a plain copy.
func (p *plan) rowCopy() bool {
	return !p.affine && p.op == Src && p.alpha == 0xff && p.sk == p.dk && p.sk != kNV12
}

// contiguousCopy reports whether r is a plain copy of whole, unpadded
// rows of both images.
func (p *plan) contiguousCopy(r image.Rectangle) bool {
	return p.rowCopy() &&
		r.Min.X == 0 && p.dr.Min.X == 0 && r.Dx() == p.dst.Width && p.sr.Dx() == p.src.Width &&
		p.dst.Stride == p.dst.Width*p.dk.bpp() && p.src.Stride == p.dst.Stride
}

// runScaled draws r for an 8888 source scaled without rotation: source
// columns depend only on the destination column, so for each chunk of
// columns the sample positions (and bilinear weights) are computed once
// and reused by every row.
func (p *plan) runScaled(r image.Rectangle, sbuf, dbuf *scratch) {
	var xa, xb [chunk]int32
	var wx [chunk]uint16
	var vcol [2 * chunk]uint64 // declared once: zeroing it per row cost more than the filter
	var sp scalePlan           // SIMD builds: per-chunk shuffle plan (empty otherwise)
	dst, src := p.dst, p.src
	dbpp := p.dk.bpp()
	sw, sh := int64(p.sr.Dx()), int64(p.sr.Dy())
	bil := p.filter == Bilinear && p.scaled()
	i0 := r.Min.X - p.dr.Min.X
	for off := 0; off < r.Dx(); off += chunk {
		n := min(chunk, r.Dx()-off)
		vx, _ := p.at(i0+off, 0)
		if bil {
			vx -= 0x8000
		} else {
			vx--
		}
		for k := 0; k < n; k++ {
			x := vx >> 16
			xa[k] = int32(min(max(x, 0), sw-1)+int64(p.sr.Min.X)) * 4
			xb[k] = int32(min(max(x+1, 0), sw-1)+int64(p.sr.Min.X)) * 4
			wx[k] = uint16(vx>>9&0x7f) << 1
			vx += p.a
		}
		// Bilinear: the span's source columns, interpolated vertically
		// once per row when they are few (scaling up or a little down).
		c0, c1 := min(xa[0], xa[n-1]), max(xb[0], xb[n-1]) // monotonic in k
		cached := bil && int(c1-c0)/4+1 <= 2*chunk
		var ca, cb [chunk]uint16 // vcol indices when cached
		if cached {
			for k := 0; k < n; k++ {
				ca[k], cb[k] = uint16((xa[k]-c0)/4), uint16((xb[k]-c0)/4)
			}
		}
		// SIMD: shuffles planned once per chunk (see scalePlan).
		simdBil := simdOK && cached && n >= 8
		simdNear := false
		if simdBil {
			sp.initBilinear(ca[:n], cb[:n], wx[:n])
		} else if simdOK && !bil && n >= 8 {
			x0 := int32(p.sr.Min.X) * 4
			simdNear = sp.initNearest(xa[:n], x0, x0+int32(sw)*4)
		}
		// Src into an 8888 destination at full opacity: the samples are
		// the result, so they are written straight into the row.
		direct := p.op == Src && p.alpha == 0xff && p.dk.is8888()
		out := sbuf[:n*4]
		for y := r.Min.Y; y < r.Max.Y; y++ {
			drow := dst.Pix[y*dst.Stride+(r.Min.X+off)*dbpp:]
			if direct {
				out = drow[:n*4]
			}
			_, vy := p.at(i0+off, y-p.dr.Min.Y)
			if !bil {
				sy := min(max((vy-1)>>16, 0), sh-1) + int64(p.sr.Min.Y)
				row := src.Pix[int(sy)*src.Stride:]
				if simdNear {
					nearestSIMD(out, row, &sp, xa[:n], n)
				} else {
					nearestRow(out, row, xa[:n])
				}
			} else if simdBil {
				vy -= 0x8000
				yy := vy >> 16
				y0 := min(max(yy, 0), sh-1) + int64(p.sr.Min.Y)
				y1 := min(max(yy+1, 0), sh-1) + int64(p.sr.Min.Y)
				bilinearVSIMD(sp.vw[:], src.Pix[int(y0)*src.Stride+int(c0):], src.Pix[int(y1)*src.Stride+int(c0):],
					int(c1-c0)/4+1, uint32(vy>>9&0x7f))
				bilinearHSIMD(out, &sp, ca[:n], cb[:n], wx[:n], n)
			} else {
				vy -= 0x8000
				yy := vy >> 16
				dy := uint64(vy>>9&0x7f) << 1
				y0 := min(max(yy, 0), sh-1) + int64(p.sr.Min.Y)
				y1 := min(max(yy+1, 0), sh-1) + int64(p.sr.Min.Y)
				top, bot := src.Pix[int(y0)*src.Stride:], src.Pix[int(y1)*src.Stride:]
				const m32 = 0x0000ffff0000ffff
				const m8 = 0x000000ff000000ff
				if cached {
					for c := c0; c <= c1; c += 4 {
						vcol[(c-c0)/4] = vlerp4(top, bot, c, dy)
					}
				}
				for k := 0; k < n; k++ {
					var l, rr uint64
					if cached {
						l, rr = vcol[ca[k]&(2*chunk-1)], vcol[cb[k]&(2*chunk-1)]
					} else {
						l, rr = vlerp4(top, bot, xa[k], dy), vlerp4(top, bot, xb[k], dy)
					}
					dx := uint64(wx[k])
					he := (l&m32)*(256-dx) + (rr&m32)*dx
					ho := (l>>16&m32)*(256-dx) + (rr>>16&m32)*dx
					q := he>>16&m8 | (ho>>16&m8)<<16
					binary.LittleEndian.PutUint32(out[4*k:], uint32(q)|uint32(q>>24))
				}
			}
			p.toWork(out, n)
			if !direct {
				p.combine(drow, out, n, sbuf, dbuf)
			}
		}
	}
}

// nearestRow gathers the pixels at byte offsets xa of row into out.
func nearestRow(out, row []byte, xa []int32) {
	out = out[:4*len(xa)]
	for k, x := range xa {
		i := int(x) // in int, so i+4 cannot wrap and needs no masking
		binary.LittleEndian.PutUint32(out[4*k:4*k+4], binary.LittleEndian.Uint32(row[i:i+4]))
	}
}

// vlerp4 is vlerp at byte offset o.
func vlerp4(top, bot []byte, o int32, dy uint64) uint64 {
	i := int(o)
	return spread(binary.LittleEndian.Uint32(top[i:i+4]))*(256-dy) + spread(binary.LittleEndian.Uint32(bot[i:i+4]))*dy
}

// scaled reports whether the map scales (a pure rotation or flip samples
// pixel centres exactly, where both filters give the pixel itself).
func (p *plan) scaled() bool {
	abs := func(v int64) int64 {
		if v < 0 {
			return -v
		}
		return v
	}
	return abs(p.a)+abs(p.b) != 1<<16 || abs(p.d)+abs(p.e) != 1<<16
}

// direct handles the unscaled cases that need no staging: one kernel
// reading the source row and writing the destination row. It reports
// whether it did.
func (p *plan) direct(drow []byte, sx, sy, n int) bool {
	if p.alpha != 0xff {
		return false
	}
	src := p.src
	sk, dk := p.sk, p.dk
	if sk == kNV12 {
		if p.op == Src && dk.is8888() {
			nv12Row(drow, src.Pix[sy*src.Stride:], src.UV[sy/2*src.UVStride:], sx, n, dk.bgr())
			return true
		}
		return false
	}
	srow := src.Pix[sy*src.Stride+sx*sk.bpp():][:n*sk.bpp()]
	if p.op == Over {
		if sk.is8888() && dk.is8888() && sk.bgr() == dk.bgr() {
			over(drow, srow, n)
			return true
		}
		return false
	}
	switch {
	case sk == dk: // run copies these itself (rowCopy); kept so direct is whole
		copy(drow, srow)
	case sk.is8888() && dk.is8888():
		switch {
		case sk.bgr() != dk.bgr():
			swapRB(drow, srow, n, opaqueBits(sk))
		case dk.hasAlpha() && !sk.hasAlpha():
			orAlpha(drow, srow, n)
		default:
			copy(drow, srow)
		}
	case sk == kRGB565 && p.nt:
		expand565NT(drow, srow, n)
	case sk == kRGB565:
		expand565(drow, srow, n, dk.bgr())
	default: // 8888 to 565
		pack565(drow, srow, n, sk.bgr())
	}
	return true
}

func opaqueBits(k kind) uint32 {
	if k.hasAlpha() {
		return 0
	}
	return 0xff000000
}

// fetch returns n source pixels from (sx, sy) in work order with alpha,
// staged in sbuf or, when the source already is in that form, the source
// memory itself.
func (p *plan) fetch(sbuf *scratch, sx, sy, n int) []byte {
	src := p.src
	switch sk := p.sk; {
	case sk == kNV12:
		nv12Row(sbuf[:], src.Pix[sy*src.Stride:], src.UV[sy/2*src.UVStride:], sx, n, p.wbgr)
	case sk == kRGB565:
		expand565(sbuf[:], src.Pix[sy*src.Stride+sx*2:], n, p.wbgr)
	default:
		srow := src.Pix[sy*src.Stride+sx*4:][:n*4]
		switch {
		case sk.bgr() != p.wbgr:
			swapRB(sbuf[:], srow, n, opaqueBits(sk))
		case !sk.hasAlpha():
			orAlpha(sbuf[:], srow, n)
		default:
			return srow
		}
	}
	return sbuf[:n*4]
}

// combine applies the opacity and the operator to n work-order source
// pixels s and writes them to drow.
func (p *plan) combine(drow, s []byte, n int, sbuf, dbuf *scratch) {
	if p.alpha != 0xff {
		mulAlpha(sbuf[:], s, n, p.alpha)
		s = sbuf[:n*4]
	}
	if p.dk.is8888() {
		if p.op == Src {
			copy(drow[:n*4], s)
		} else {
			over(drow, s, n)
		}
		return
	}
	// RGB565 destination, work order ARGB.
	if p.op == Src {
		pack565(drow, s, n, false)
		return
	}
	expand565(dbuf[:], drow, n, false)
	over(dbuf[:], s, n)
	pack565(drow, dbuf[:], n, false)
}

// pixel reads source pixel (x, y) of sr-relative coordinates, clamped to
// sr, in work order with alpha.
func (p *plan) pixel(x, y int) uint32 {
	x = min(max(x, 0), p.sr.Dx()-1) + p.sr.Min.X
	y = min(max(y, 0), p.sr.Dy()-1) + p.sr.Min.Y
	src := p.src
	var c uint32
	switch p.sk {
	case kNV12:
		uv := src.UV[y/2*src.UVStride+x&^1:]
		c = yuvToRGB(int32(src.Pix[y*src.Stride+x]), int32(uv[0]), int32(uv[1]))
		if p.wbgr {
			c = c&0xff00ff00 | c>>16&0xff | c&0xff<<16
		}
		return c
	case kRGB565:
		c = from565(uint32(binary.LittleEndian.Uint16(src.Pix[y*src.Stride+x*2:])))
		if p.wbgr {
			c = c&0xff00ff00 | c>>16&0xff | c&0xff<<16
		}
		return c
	}
	c = binary.LittleEndian.Uint32(src.Pix[y*src.Stride+x*4:])
	if p.sk.bgr() != p.wbgr {
		c = c&0xff00ff00 | c>>16&0xff | c&0xff<<16
	}
	if !p.sk.hasAlpha() {
		c |= 0xff000000
	}
	return c
}

// fetchNearest samples n pixels along a destination row starting at
// source position (vx, vy).
func (p *plan) fetchNearest(sbuf *scratch, vx, vy int64, n int) []byte {
	out := sbuf[:n*4]
	src := p.src
	sw, sh := int64(p.sr.Dx()), int64(p.sr.Dy())
	if p.sk.is8888() && p.b == 0 && p.d == 0 {
		// Rows map to rows: one source row, x stepping by a.
		y := min(max((vy-1)>>16, 0), sh-1) + int64(p.sr.Min.Y)
		row := src.Pix[int(y)*src.Stride+p.sr.Min.X*4:][:sw*4]
		vx--
		for i := 0; i+4 <= len(out); i += 4 {
			x := min(max(vx>>16, 0), sw-1)
			binary.LittleEndian.PutUint32(out[i:], binary.LittleEndian.Uint32(row[4*x:]))
			vx += p.a
		}
		p.toWork(out, n)
		return out
	}
	if p.sk.is8888() && !p.scaled() {
		// A pure rotation or flip: every step moves by exactly one
		// source pixel, and every sample lies inside the rectangle, so
		// the walk is one add per pixel.
		x := min(max((vx-1)>>16, 0), sw-1) + int64(p.sr.Min.X)
		y := min(max((vy-1)>>16, 0), sh-1) + int64(p.sr.Min.Y)
		off := int(y)*src.Stride + int(x)*4
		step := int(p.a>>16)*4 + int(p.d>>16)*src.Stride
		pix := src.Pix
		for i := 0; i+4 <= len(out); i += 4 {
			binary.LittleEndian.PutUint32(out[i:], binary.LittleEndian.Uint32(pix[off:]))
			off += step
		}
		p.toWork(out, n)
		return out
	}
	if p.sk.is8888() {
		x0, y0 := int64(p.sr.Min.X), int64(p.sr.Min.Y)
		vx--
		vy--
		for i := 0; i+4 <= len(out); i += 4 {
			x := min(max(vx>>16, 0), sw-1) + x0
			y := min(max(vy>>16, 0), sh-1) + y0
			binary.LittleEndian.PutUint32(out[i:], binary.LittleEndian.Uint32(src.Pix[int(y)*src.Stride+int(x)*4:]))
			vx += p.a
			vy += p.d
		}
		p.toWork(out, n)
		return out
	}
	vx--
	vy--
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(out[4*i:], p.pixel(int(vx>>16), int(vy>>16)))
		vx += p.a
		vy += p.d
	}
	return out
}

// toWork converts gathered 8888 source pixels to work order in place.
func (p *plan) toWork(b []byte, n int) {
	switch {
	case p.sk.bgr() != p.wbgr:
		swapRB(b, b, n, opaqueBits(p.sk))
	case !p.sk.hasAlpha():
		orAlpha(b, b, n)
	}
}

// fetchBilinear samples n pixels with pixman's bilinear filter: the
// sample point moves back half a pixel, its integer part picks the
// top-left of four pixels and the next 7 fraction bits weigh them.
func (p *plan) fetchBilinear(sbuf *scratch, vx, vy int64, n int) []byte {
	out := sbuf[:n*4]
	vx -= 0x8000
	vy -= 0x8000
	if p.sk.is8888() && p.b == 0 && p.d == 0 {
		p.bilinearRows(out, vx, vy, n)
		p.toWork(out, n)
		return out
	}
	for i := 0; i < n; i++ {
		x, y := int(vx>>16), int(vy>>16)
		dx, dy := uint64(vx>>9&0x7f)<<1, uint64(vy>>9&0x7f)<<1
		tl, tr := p.pixel(x, y), p.pixel(x+1, y)
		bl, br := p.pixel(x, y+1), p.pixel(x+1, y+1)
		binary.LittleEndian.PutUint32(out[4*i:], bilinear(tl, tr, bl, br, dx, dy))
		vx += p.a
		vy += p.d
	}
	return out
}

// bilinearRows is the bilinear fetch for 8888 sources when destination
// rows map to source rows (scaling without rotation), the common case of
// a scaled surface. The source row pair is interpolated vertically once
// per column into spread 16-bit lanes (exact: at most 255*256 per lane),
// then horizontally per destination pixel in 32-bit lanes; the sum is
// pixman's C formula regrouped, so the result is the same to the bit.
func (p *plan) bilinearRows(out []byte, vx, vy int64, n int) {
	src := p.src
	sw, sh := int64(p.sr.Dx()), int64(p.sr.Dy())
	y := vy >> 16
	dy := uint64(vy>>9&0x7f) << 1
	y0 := min(max(y, 0), sh-1) + int64(p.sr.Min.Y)
	y1 := min(max(y+1, 0), sh-1) + int64(p.sr.Min.Y)
	top := src.Pix[int(y0)*src.Stride+p.sr.Min.X*4:][:sw*4]
	bot := src.Pix[int(y1)*src.Stride+p.sr.Min.X*4:][:sw*4]
	// Source columns this span reads.
	first, last := vx, vx+p.a*int64(n-1)
	if first > last { // flipped: x runs backwards
		first, last = last, first
	}
	c0 := min(max(first>>16, 0), sw-1)
	c1 := min(max(last>>16+1, 0), sw-1)
	var vcol [2 * chunk]uint64
	cached := c1-c0+1 <= int64(len(vcol))
	if cached {
		for c := c0; c <= c1; c++ {
			vcol[c-c0] = vlerp(top, bot, c, dy)
		}
	}
	const m32 = 0x0000ffff0000ffff
	const m8 = 0x000000ff000000ff
	for i := 0; i+4 <= len(out); i += 4 {
		x := vx >> 16
		dx := uint64(vx>>9&0x7f) << 1
		xa, xb := min(max(x, 0), sw-1), min(max(x+1, 0), sw-1)
		var l, r uint64
		if cached {
			l, r = vcol[xa-c0], vcol[xb-c0]
		} else {
			l, r = vlerp(top, bot, xa, dy), vlerp(top, bot, xb, dy)
		}
		he := (l&m32)*(256-dx) + (r&m32)*dx
		ho := (l>>16&m32)*(256-dx) + (r>>16&m32)*dx
		q := he>>16&m8 | (ho>>16&m8)<<16
		binary.LittleEndian.PutUint32(out[i:], uint32(q)|uint32(q>>24))
		vx += p.a
	}
}

// vlerp interpolates column c of two rows with weight dy/256 for the
// bottom row, in the spread lanes of spread().
func vlerp(top, bot []byte, c int64, dy uint64) uint64 {
	return spread(binary.LittleEndian.Uint32(top[4*c:]))*(256-dy) + spread(binary.LittleEndian.Uint32(bot[4*c:]))*dy
}

// bilinear interpolates four pixels with weights dx, dy in 0..255 (8-bit
// positions of 7-bit weights), truncating like pixman's C path. Channels
// sit in 32-bit lanes so each weighted sum (at most 255*65536) fits.
func bilinear(tl, tr, bl, br uint32, dx, dy uint64) uint32 {
	wtl := (256 - dx) * (256 - dy)
	wtr := dx * (256 - dy)
	wbl := (256 - dx) * dy
	wbr := dx * dy
	sp := func(c uint32) (uint64, uint64) {
		q := uint64(c)
		return q&0xff | (q&0xff0000)<<16, q>>8&0xff | (q>>8&0xff0000)<<16
	}
	a0, a1 := sp(tl)
	b0, b1 := sp(tr)
	c0, c1 := sp(bl)
	d0, d1 := sp(br)
	lo := (a0*wtl + b0*wtr + c0*wbl + d0*wbr) >> 16
	hi := (a1*wtl + b1*wtr + c1*wbl + d1*wbr) >> 16
	return uint32(lo&0xff) | uint32(lo>>32&0xff)<<16 | uint32(hi&0xff)<<8 | uint32(hi>>32&0xff)<<24
}
