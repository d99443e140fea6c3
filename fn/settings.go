package fn

import (
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/platformsettings"
)

// SettingsRequirement is the name under which the function asks Crossplane
// for the platform settings object. A Composition step may declare it up
// front (requirements.requiredResources) to save a call per reconcile.
const SettingsRequirement = "platform-settings"

// settingsName is the EnvironmentConfig the Input names, or "" when the
// Input holds every setting itself.
func settingsName(input *structpb.Struct) string {
	return stringAt(input, "platformSettings", "environmentConfigName")
}

// requireSettings asks Crossplane for the settings object. It is asked on
// every call: a requirement a call leaves out is dropped, and Crossplane
// would call again without it.
func requireSettings(rsp *fnv1.RunFunctionResponse, name string) {
	if rsp.Requirements == nil {
		rsp.Requirements = &fnv1.Requirements{}
	}
	if rsp.Requirements.Resources == nil {
		rsp.Requirements.Resources = map[string]*fnv1.ResourceSelector{}
	}
	rsp.Requirements.Resources[SettingsRequirement] = &fnv1.ResourceSelector{
		ApiVersion: platformsettings.APIVersion,
		Kind:       platformsettings.Kind,
		Match:      &fnv1.ResourceSelector_MatchName{MatchName: name},
	}
}

// settings is the settings object's data as the request carries it.
type settings struct {
	name string
	data *structpb.Struct
}

// settingsOf finds the settings object in the request. resolved is false
// until Crossplane has answered the requirement; an answer without the
// object is an error naming it.
func settingsOf(req *fnv1.RunFunctionRequest, name string) (s settings, resolved bool, err error) {
	items, ok := req.GetRequiredResources()[SettingsRequirement]
	if !ok {
		items, ok = req.GetExtraResources()[SettingsRequirement] //nolint:staticcheck // Crossplane before v2.2 and the v2.2 CLI send the deprecated field.
	}
	if !ok {
		return settings{}, false, nil
	}
	var others []string
	for _, i := range items.GetItems() {
		o := i.GetResource()
		if stringAt(o, "metadata", "name") != name || stringAt(o, "kind") != platformsettings.Kind {
			others = append(others, stringAt(o, "metadata", "name"))
			continue
		}
		data := valueAt(o, "data").GetStructValue()
		if data == nil {
			return settings{}, true, errors.Errorf("%s %s has no data: it must hold the platform settings the Composition's Input leaves out (platformSettings.environmentConfigName)", platformsettings.Kind, name)
		}
		return settings{name: name, data: data}, true, nil
	}
	if len(others) > 0 {
		// The step's requirements name another object than the Input:
		// Crossplane fetches what the step declares.
		return settings{}, true, errors.Errorf("%s %s not found: the Composition's Input reads the platform settings from it (platformSettings.environmentConfigName), but the pipeline step's requirements.requiredResources %q names %s; make both name the same object",
			platformsettings.Kind, name, SettingsRequirement, strings.Join(others, ", "))
	}
	return settings{}, true, errors.Errorf("%s %s not found: the Composition's Input reads the platform settings from it (platformSettings.environmentConfigName); apply it (see example/platform-settings.yaml)", platformsettings.Kind, name)
}

// grantsAt is where the team grants are declared, for the messages that
// refuse an XR for asking more than its team was granted.
func (s settings) grantsAt() string {
	if s.name == "" {
		return ""
	}
	if _, ok := platformsettings.Lookup(s.data.AsMap(), []string{"tenancy"}); !ok {
		return ""
	}
	return platformsettings.Source{Name: s.name}.Path().Child("tenancy", "teams").String()
}
