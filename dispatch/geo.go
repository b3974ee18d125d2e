package dispatch

import "math"

// earthRadiusKm is the mean Earth radius (IUGG).
const earthRadiusKm = 6371.0088

const degToRad = math.Pi / 180

// point is a position in radians with its latitude's cosine, precomputed once so a
// distance costs two sines, a square root and an arcsine.
type point struct{ phi, lambda, cosPhi float64 }

func pointOf(lat, lon float64) point {
	return point{phi: lat * degToRad, lambda: lon * degToRad, cosPhi: math.Cos(lat * degToRad)}
}

// HaversineKm is the great-circle distance between two points given in degrees, in km.
func HaversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	return distanceKm(pointOf(lat1, lon1), pointOf(lat2, lon2))
}

func distanceKm(a, b point) float64 {
	sdPhi := math.Sin((b.phi - a.phi) / 2)
	sdLambda := math.Sin((b.lambda - a.lambda) / 2)
	h := sdPhi*sdPhi + a.cosPhi*b.cosPhi*sdLambda*sdLambda
	if h > 1 {
		h = 1
	}
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(h))
}
