package cpu

import "image"

// Fill paints the part of r (destination pixels, clipped to dst) inside
// the union of damage (nil or empty: no clipping) with c: with Src it
// replaces the pixels, with Over it blends c over them. Damage rectangles
// must not overlap. Fill allocates nothing.
func Fill(dst *Image, r image.Rectangle, c Color, op Op, damage []image.Rectangle) error {
	const opName = "cpu.Fill"
	dk, err := dst.check(opName, "dst")
	if err != nil {
		return err
	}
	if dk == kNV12 {
		return &Error{Op: opName, Arg: "dst", Err: ErrFormat, Detail: "NV12 is accepted as a source only"}
	}
	if op > Over {
		return &Error{Op: opName, Arg: "op", Err: ErrArg, Detail: "operator is neither Src nor Over"}
	}
	if err := checkDstRect(opName, "rect", r); err != nil {
		return err
	}
	a := uint32(c) >> 24
	if op == Over && c == 0 {
		return nil
	}
	if op == Over && a == 0xff {
		op = Src
	}
	w := uint32(c)
	if dk.bgr() {
		w = w&0xff00ff00 | w>>16&0xff | w&0xff<<16
	}
	clip := r.Intersect(dst.Bounds())
	if len(damage) == 0 {
		fillRect(dst, dk, clip, w, op)
		return nil
	}
	var m merger
	for _, d := range damage {
		if r, ok := m.add(d.Intersect(clip)); ok {
			fillRect(dst, dk, r, w, op)
		}
	}
	fillRect(dst, dk, m.pend, w, op)
	return nil
}

func fillRect(dst *Image, dk kind, r image.Rectangle, c uint32, op Op) {
	if r.Empty() {
		return
	}
	bpp := dk.bpp()
	n := r.Dx()
	if op == Src {
		first := dst.Pix[r.Min.Y*dst.Stride+r.Min.X*bpp:][:n*bpp]
		if dk == kRGB565 {
			fill16(first, n, uint16(to565(c)))
		} else {
			fill32(first, n, c)
		}
		for y := r.Min.Y + 1; y < r.Max.Y; y++ {
			copy(dst.Pix[y*dst.Stride+r.Min.X*bpp:][:n*bpp], first)
		}
		return
	}
	var sbuf, dbuf scratch
	fill32(sbuf[:], min(n, chunk), c)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := dst.Pix[y*dst.Stride+r.Min.X*bpp:][:n*bpp]
		for off := 0; off < n; off += chunk {
			m := min(chunk, n-off)
			if dk == kRGB565 {
				seg := row[off*2:]
				expand565(dbuf[:], seg, m, false)
				over(dbuf[:], sbuf[:], m)
				pack565(seg, dbuf[:], m, false)
			} else {
				over(row[off*4:], sbuf[:], m)
			}
		}
	}
}
