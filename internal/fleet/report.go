package fleet

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/eks-gitops/function-eks-gitops/internal/eksversion"
)

// Report is where the fleet's Kubernetes versions stand on a day.
type Report struct {
	// Date is the day judged; TableDate and PriceTableDate the dates of the
	// version and price tables the figures come from.
	Date           string `json:"date"`
	TableDate      string `json:"tableDate"`
	PriceTableDate string `json:"priceTableDate"`
	Clusters       int    `json:"clusters"`
	// ExtendedCostPerMonth is what extended support adds to the fleet's
	// monthly bill today, in US dollars.
	ExtendedCostPerMonth float64         `json:"extendedCostPerMonth"`
	Versions             []VersionReport `json:"versions"`
}

// VersionReport is one Kubernetes version of the fleet.
type VersionReport struct {
	Version             string `json:"version"`
	Phase               string `json:"phase"`
	StandardSupportEnds string `json:"standardSupportEnds,omitempty"`
	ExtendedSupportEnds string `json:"extendedSupportEnds,omitempty"`
	DaysLeft            int    `json:"daysLeft"`
	Clusters            int    `json:"clusters"`
	// ExtendedCostPerMonth is what extended support adds per month for
	// these clusters: today when in extended support, else from the day
	// standard support ends if none is upgraded by then.
	ExtendedCostPerMonth float64                   `json:"extendedCostPerMonth"`
	Environments         []Count                   `json:"environments"`
	Teams                []Count                   `json:"teams"`
	ByEnvironmentAndTeam map[string]map[string]int `json:"byEnvironmentAndTeam"`
}

// Count is how many clusters share a value.
type Count struct {
	Name     string `json:"name"`
	Clusters int    `json:"clusters"`
}

// NewReport judges the clusters on day now.
func NewReport(clusters []Cluster, now time.Time) Report {
	r := Report{
		Date: now.Format(time.DateOnly), TableDate: eksversion.TableDate, PriceTableDate: eksversion.PriceTableDate,
		Clusters: len(clusters),
	}
	byVersion := map[string][]Cluster{}
	for _, c := range clusters {
		byVersion[c.Judged()] = append(byVersion[c.Judged()], c)
	}
	for _, v := range slices.SortedFunc(maps.Keys(byVersion), compareVersions) {
		cs := byVersion[v]
		w := eksversion.WindowOn(v, now)
		vr := VersionReport{
			Version: v, Phase: w.Support.Phase(), DaysLeft: w.DaysLeft, Clusters: len(cs),
			ByEnvironmentAndTeam: map[string]map[string]int{},
		}
		if w.Known {
			vr.StandardSupportEnds, vr.ExtendedSupportEnds = w.StandardEnd.Format(time.DateOnly), w.ExtendedEnd.Format(time.DateOnly)
		}
		if w.Support != eksversion.Unsupported {
			vr.ExtendedCostPerMonth = float64(len(cs)) * eksversion.ExtendedSupportCostPerMonth()
		}
		if w.Support == eksversion.Extended {
			r.ExtendedCostPerMonth += vr.ExtendedCostPerMonth
		}
		envs, teams := map[string]int{}, map[string]int{}
		for _, c := range cs {
			envs[c.Environment]++
			teams[c.Team]++
			if vr.ByEnvironmentAndTeam[c.Environment] == nil {
				vr.ByEnvironmentAndTeam[c.Environment] = map[string]int{}
			}
			vr.ByEnvironmentAndTeam[c.Environment][c.Team]++
		}
		vr.Environments, vr.Teams = counts(envs), counts(teams)
		r.Versions = append(r.Versions, vr)
	}
	return r
}

// compareVersions orders Kubernetes versions by minor; what is not a
// version comes last, by name.
func compareVersions(a, b string) int {
	ma, mb := eksversion.Minor(a), eksversion.Minor(b)
	switch {
	case ma < 0 && mb < 0:
		return strings.Compare(a, b)
	case ma < 0:
		return 1
	case mb < 0:
		return -1
	}
	return cmp.Compare(ma, mb)
}

// counts sorts a count by clusters, most first, then by name.
func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{Name: k, Clusters: v})
	}
	slices.SortFunc(out, func(a, b Count) int {
		return cmp.Or(cmp.Compare(b.Clusters, a.Clusters), strings.Compare(a.Name, b.Name))
	})
	return out
}

// Outputs are the report's formats.
var Outputs = []string{"text", "json", "markdown"}

// Format prints the report as text, JSON or Markdown (for a pull request's
// comment).
func (r Report) Format(output string) (string, error) {
	switch output {
	case "json":
		b, err := json.MarshalIndent(r, "", "  ")
		return string(b) + "\n", err
	case "markdown":
		return r.markdown(), nil
	case "text":
		return r.text(), nil
	}
	return "", fmt.Errorf("output %q: use one of %s", output, strings.Join(Outputs, ", "))
}

func (r Report) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d clusters on %s (EKS versions of %s, prices of %s)\n", r.Clusters, r.Date, r.TableDate, r.PriceTableDate)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	// Writes to a strings.Builder do not fail.
	_, _ = fmt.Fprintln(tw, "VERSION\tCLUSTERS\tSUPPORT\tSTANDARD ENDS\tEXTENDED ENDS\tDAYS LEFT\tEXTENDED $/MONTH\tENVIRONMENTS\tTEAMS")
	for _, v := range r.Versions {
		_, _ = fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%.2f\t%s\t%s\n", v.Version, v.Clusters, v.Phase, dash(v.StandardSupportEnds), dash(v.ExtendedSupportEnds), v.DaysLeft, v.ExtendedCostPerMonth, countList(v.Environments), countList(v.Teams))
	}
	_ = tw.Flush()
	fmt.Fprintf(&b, "Extended support adds $%.2f per month today.\n", r.ExtendedCostPerMonth)
	return b.String()
}

func (r Report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Kubernetes versions of %d clusters on %s\n\n", r.Clusters, r.Date)
	b.WriteString("| version | clusters | support | standard ends | extended ends | days left | extended support $/month | environments | teams |\n")
	b.WriteString("|---|---:|---|---|---|---:|---:|---|---|\n")
	for _, v := range r.Versions {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %d | %.2f | %s | %s |\n", v.Version, v.Clusters, v.Phase, dash(v.StandardSupportEnds), dash(v.ExtendedSupportEnds), v.DaysLeft, v.ExtendedCostPerMonth, countList(v.Environments), countList(v.Teams))
	}
	fmt.Fprintf(&b, "\nExtended support adds **$%.2f per month** today. For a version still in standard support, the column is what its clusters would add once standard support ends. EKS versions of %s, prices of %s (US dollars, $%.2f/hour standard, $%.2f/hour extended, %d hours a month).\n",
		r.ExtendedCostPerMonth, r.TableDate, r.PriceTableDate, eksversion.PricePerHourStandard, eksversion.PricePerHourExtended, eksversion.HoursPerMonth)
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// countList is "dev 3, prod 1", the first five and how many more.
func countList(cs []Count) string {
	const shown = 5
	parts := make([]string, 0, min(len(cs), shown)+1)
	for i, c := range cs {
		if i == shown {
			parts = append(parts, fmt.Sprintf("%d more", len(cs)-shown))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", c.Name, c.Clusters))
	}
	return strings.Join(parts, ", ")
}
