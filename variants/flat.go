package variants

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"reflect"
	"strings"

	"github.com/blobimage/blobimage/codecs"
)

// flat is the ★ config file form of a Spec: one optional geometry op with
// its box, then optional post-processing, then the output format.
//
// The post-ops rotate, brightness, contrast, saturation and sharpen are
// pointers because their presence matters: "rotate: 0" is a Rotate
// processor (it is in the fingerprint) while an absent rotate is none.
type flat struct {
	Name       string          `json:"name"`
	Op         string          `json:"op,omitempty"`
	Width      int             `json:"width,omitempty"`
	Height     int             `json:"height,omitempty"`
	Anchor     Anchor          `json:"anchor,omitempty"`
	Background string          `json:"background,omitempty"`
	Rotate     *float64        `json:"rotate,omitempty"`
	Grayscale  bool            `json:"grayscale,omitempty"`
	Brightness *float64        `json:"brightness,omitempty"`
	Contrast   *float64        `json:"contrast,omitempty"`
	Saturation *float64        `json:"saturation,omitempty"`
	Sharpen    *float64        `json:"sharpen,omitempty"`
	Format     codecs.Format   `json:"format,omitempty"`
	Formats    []codecs.Format `json:"formats,omitempty"`
	Quality    int             `json:"quality,omitempty"`
	Lossless   bool            `json:"lossless,omitempty"`
	Speed      int             `json:"speed,omitempty"`
	Animated   bool            `json:"animated,omitempty"`
}

// The geometry ops of the flat form.
const (
	opFit    = "fit"
	opFill   = "fill"
	opResize = "resize"
	opCrop   = "crop"
	opPad    = "pad"
)

// toFlat returns the flat form of s. It fails when s cannot be written
// flat: its processors must be, in this order and each at most once, one
// of Fit, Fill, Resize, Crop or Pad; Rotate (with no Background); Grayscale;
// Adjust. Any other processor, a second geometry op, or another order has
// no flat form.
//
// toFlat checks only the shape of s, not its parameters: a flat form with a
// negative width is still a flat form, which lets Validate name the field
// as the config file writes it.
func toFlat(s Spec) (flat, error) {
	f := flat{Name: s.Name, Format: s.Format, Formats: s.Formats, Quality: s.Quality, Lossless: s.Lossless, Speed: s.Speed, Animated: s.Animated}
	ps := s.Processors
	i := 0
	if i < len(ps) {
		switch p := ps[i].(type) {
		case Fit:
			f.Op, f.Width, f.Height = opFit, p.Width, p.Height
			i++
		case Fill:
			f.Op, f.Width, f.Height, f.Anchor = opFill, p.Width, p.Height, p.Anchor
			i++
		case Resize:
			f.Op, f.Width, f.Height = opResize, p.Width, p.Height
			i++
		case Crop:
			f.Op, f.Width, f.Height, f.Anchor = opCrop, p.Width, p.Height, p.Anchor
			i++
		case Pad:
			f.Op, f.Width, f.Height, f.Anchor = opPad, p.Width, p.Height, p.Anchor
			if p.Background != (color.NRGBA{}) {
				f.Background = FormatColor(p.Background)
			}
			i++
		}
	}
	if i < len(ps) {
		if r, ok := ps[i].(Rotate); ok {
			if r.Background != (color.NRGBA{}) {
				return flat{}, fmt.Errorf("processors[%d]: a Rotate with a Background has no config form", i)
			}
			a := r.Angle
			f.Rotate = &a
			i++
		}
	}
	if i < len(ps) {
		if _, ok := ps[i].(Grayscale); ok {
			f.Grayscale = true
			i++
		}
	}
	if i < len(ps) {
		if a, ok := ps[i].(Adjust); ok {
			set := func(v float64) *float64 {
				if v == 0 {
					return nil
				}
				return &v
			}
			f.Brightness, f.Contrast, f.Saturation, f.Sharpen = set(a.Brightness), set(a.Contrast), set(a.Saturation), set(a.Sharpen)
			if a == (Adjust{}) {
				// A no-op Adjust is still a processor (and in the
				// fingerprint): write one field so it reads back.
				f.Brightness = new(float64)
			}
			i++
		}
	}
	if i < len(ps) {
		return flat{}, fmt.Errorf("processors[%d] (%s) has no config form: the config form is one of fit, fill, resize, crop or pad, then rotate, grayscale and adjust, in that order, each at most once", i, describeType(ps[i]))
	}
	return f, nil
}

// describeType names p's type for an error message.
func describeType(p Processor) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprintf("%T", p)
}

// spec returns the Spec f writes. Errors are *FieldErrors naming the flat
// field. Only the shape is checked (a known op; anchor, background and a box
// only where the op takes them; a readable colour); parameters are left to
// Spec.Validate.
func (f flat) spec() (Spec, error) {
	s := Spec{Name: f.Name, Format: f.Format, Formats: f.Formats, Quality: f.Quality, Lossless: f.Lossless, Speed: f.Speed, Animated: f.Animated}
	switch f.Op {
	case "", opFit, opFill, opResize, opCrop, opPad:
	default:
		return Spec{}, fieldErr("op", fmt.Sprintf("%q is not one of fit, fill, resize, crop, pad", f.Op))
	}
	switch f.Op {
	case opFill, opCrop, opPad:
	default:
		if f.Anchor != "" {
			return Spec{}, fieldErr("anchor", "only applies to op fill, crop or pad")
		}
	}
	if f.Op != opPad && f.Background != "" {
		return Spec{}, fieldErr("background", "only applies to op pad")
	}
	var bg color.NRGBA
	if f.Background != "" {
		c, err := ParseColor(f.Background)
		if err != nil {
			return Spec{}, &FieldError{Path: "background", Err: err}
		}
		bg = c
	}
	switch f.Op {
	case "":
		switch {
		case f.Width != 0:
			return Spec{}, fieldErr("width", "needs an op (fit, fill, resize, crop or pad)")
		case f.Height != 0:
			return Spec{}, fieldErr("height", "needs an op (fit, fill, resize, crop or pad)")
		}
	case opFit:
		s.Processors = append(s.Processors, Fit{Width: f.Width, Height: f.Height})
	case opFill:
		s.Processors = append(s.Processors, Fill{Width: f.Width, Height: f.Height, Anchor: f.Anchor})
	case opResize:
		s.Processors = append(s.Processors, Resize{Width: f.Width, Height: f.Height})
	case opCrop:
		s.Processors = append(s.Processors, Crop{Width: f.Width, Height: f.Height, Anchor: f.Anchor})
	case opPad:
		s.Processors = append(s.Processors, Pad{Width: f.Width, Height: f.Height, Anchor: f.Anchor, Background: bg})
	}
	if f.Rotate != nil {
		s.Processors = append(s.Processors, Rotate{Angle: *f.Rotate})
	}
	if f.Grayscale {
		s.Processors = append(s.Processors, Grayscale{})
	}
	if f.Brightness != nil || f.Contrast != nil || f.Saturation != nil || f.Sharpen != nil {
		val := func(p *float64) float64 {
			if p == nil {
				return 0
			}
			return *p
		}
		s.Processors = append(s.Processors, Adjust{
			Brightness: val(f.Brightness), Contrast: val(f.Contrast),
			Saturation: val(f.Saturation), Sharpen: val(f.Sharpen),
		})
	}
	return s, nil
}

// MarshalJSON writes s in the ★ config file form:
//
//	{"name": "thumb", "op": "fill", "width": 50, "height": 50, "anchor": "center",
//	 "rotate": 90, "grayscale": true, "brightness": 10, "format": "jpeg", "quality": 80}
//
// Zero fields are left out, except that a Rotate always writes "rotate" and
// an Adjust at least one of its fields, so that they read back. It fails
// for a spec with no config form: custom processors, a Rotate with a
// Background, two geometry ops, or post-ops out of the order rotate,
// grayscale, adjust.
func (s Spec) MarshalJSON() ([]byte, error) {
	f, err := toFlat(s)
	if err != nil {
		return nil, fmt.Errorf("variants: spec %q: %w", s.Name, err)
	}
	return json.Marshal(f)
}

// UnmarshalJSON reads s from the ★ config file form (see MarshalJSON).
// Unknown fields are errors. The processors are made in a fixed order:
// the op (fit, fill, resize, crop or pad) with width, height, anchor and
// background; then rotate, when present (even 0); then grayscale, when
// true; then one Adjust, when any of brightness, contrast, saturation or
// sharpen is present.
//
// The op may be left out: the spec then works on the whole picture at full
// size, applying only its post-ops, or none at all (a re-encoded copy, e.g.
// to change the format). width, height, anchor and background need an op;
// anchor applies to fill, crop and pad ("smart" to fill only), background
// to pad.
//
// Only the shape is checked here; Validate checks the values. Errors are
// *FieldErrors naming the field, e.g. "anchor: only applies to op fill,
// crop or pad".
func (s *Spec) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	var f flat
	if err := decodeStrict(data, &f); err != nil {
		return err
	}
	spec, err := f.spec()
	if err != nil {
		return err
	}
	*s = spec
	return nil
}

// decodeStrict decodes the JSON value data into v, a pointer to a struct,
// refusing fields v does not have (by their exact name). Errors are
// *FieldErrors whose Path is relative to data: "" for data itself, or the
// field's name for a value of the wrong type.
func decodeStrict(data []byte, v any) error {
	t := reflect.TypeOf(v).Elem()
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		// Check the keys first, exactly (encoding/json would take "Width"
		// for "width") and once each (it would keep the last of two).
		if keys, err := objectKeys(trimmed); err == nil {
			known := jsonFields(t)
			seen := make(map[string]bool, len(keys))
			for _, k := range keys {
				switch {
				case !known[k]:
					return &FieldError{Err: fmt.Errorf("unknown field %q (known: %s)", k, strings.Join(fieldNames(t), ", "))}
				case seen[k]:
					return &FieldError{Err: fmt.Errorf("field %q is given twice", k)}
				}
				seen[k] = true
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &FieldError{Path: te.Field, Err: fmt.Errorf("must be %s, not %s", wantType(te.Type), te.Value)}
		}
		// A field's own UnmarshalJSON (a Duration, say) does not say
		// which field it was: find it by decoding the fields one by one.
		var fields map[string]json.RawMessage
		if json.Unmarshal(trimmed, &fields) == nil {
			for k, raw := range fields {
				one, _ := json.Marshal(map[string]json.RawMessage{k: raw})
				if json.Unmarshal(one, reflect.New(t).Interface()) != nil {
					return &FieldError{Path: k, Err: err}
				}
			}
		}
		return &FieldError{Err: err}
	}
	return nil
}

// jsonFields returns the JSON names of t's fields.
func jsonFields(t reflect.Type) map[string]bool {
	m := map[string]bool{}
	for _, name := range fieldNames(t) {
		m[name] = true
	}
	return m
}

// fieldNames returns the JSON names of t's fields in declaration order.
func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = sf.Name
		}
		names = append(names, name)
	}
	return names
}

// objectKeys returns the keys of the JSON object obj, in order.
func objectKeys(obj []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, ok := tok.(string)
		if !ok {
			return nil, errors.New("object key is not a string")
		}
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// wantType describes what a JSON value for t looks like.
func wantType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	case reflect.Pointer:
		return wantType(t.Elem())
	}
	return t.String()
}
