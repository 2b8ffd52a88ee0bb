package analytics

import (
	"fmt"
	"image"
	"image/color"

	"gocv.io/x/gocv"
)

var (
	boxColour  = color.RGBA{R: 255, G: 40, B: 40}
	zoneColour = color.RGBA{R: 255, G: 210, B: 0}
	lineColour = color.RGBA{R: 0, G: 220, B: 255}
)

// snapshotter draws events on a frame and encodes them as JPEG.
type snapshotter struct {
	quality int
	canvas  gocv.Mat
}

func newSnapshotter(quality int) *snapshotter {
	return &snapshotter{quality: quality, canvas: gocv.NewMat()}
}

func (s *snapshotter) close() { s.canvas.Close() }

// draw returns a JPEG of frame (gray or BGR) with the zone polygon, the
// tripwire and the boxes drawn, each box labelled with its track id.
func (s *snapshotter) draw(frame gocv.Mat, zone []pt, line []pt, boxes []image.Rectangle, ids []int) ([]byte, error) {
	if frame.Channels() == 1 {
		gocv.CvtColor(frame, &s.canvas, gocv.ColorGrayToBGR)
	} else {
		frame.CopyTo(&s.canvas)
	}
	thick := max(1, frame.Cols()/320)
	if len(zone) > 0 {
		pv := gocv.NewPointsVectorFromPoints([][]image.Point{roundPoints(zone)})
		gocv.Polylines(&s.canvas, pv, true, zoneColour, thick)
		pv.Close()
	}
	if len(line) == 2 {
		p := roundPoints(line)
		gocv.ArrowedLine(&s.canvas, p[0], p[1], lineColour, thick)
	}
	for i, b := range boxes {
		gocv.Rectangle(&s.canvas, b, boxColour, thick+1)
		if i < len(ids) && ids[i] > 0 {
			gocv.PutText(&s.canvas, fmt.Sprintf("#%d", ids[i]), image.Pt(b.Min.X, max(b.Min.Y-3, 10)),
				gocv.FontHersheySimplex, 0.35*float64(thick), boxColour, thick)
		}
	}
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, s.canvas, []int{gocv.IMWriteJpegQuality, s.quality})
	if err != nil {
		return nil, fmt.Errorf("analytics: snapshot: %w", err)
	}
	defer buf.Close()
	return append([]byte(nil), buf.GetBytes()...), nil
}

func roundPoints(ps []pt) []image.Point {
	out := make([]image.Point, len(ps))
	for i, p := range ps {
		out[i] = image.Pt(int(p.X+0.5), int(p.Y+0.5))
	}
	return out
}
