//go:build cgo && abicheck

package abicheck

/*
#cgo CFLAGS: -I/usr/include/libdrm
#include "abicheck.h"
#include <drm.h>
#include <drm_mode.h>
#include <linux/sync_file.h>

static const struct abi_field kms_fields[] = {
	ABI_SIZE(drm_auth),
	ABI_FIELD(drm_auth, magic),
	ABI_SIZE(drm_gem_close),
	ABI_FIELD(drm_gem_close, handle),
	ABI_FIELD(drm_gem_close, pad),
	ABI_SIZE(drm_prime_handle),
	ABI_FIELD(drm_prime_handle, handle),
	ABI_FIELD(drm_prime_handle, flags),
	ABI_FIELD(drm_prime_handle, fd),
	ABI_SIZE(drm_crtc_get_sequence),
	ABI_FIELD(drm_crtc_get_sequence, crtc_id),
	ABI_FIELD(drm_crtc_get_sequence, active),
	ABI_FIELD(drm_crtc_get_sequence, sequence),
	ABI_FIELD(drm_crtc_get_sequence, sequence_ns),
	ABI_SIZE(drm_crtc_queue_sequence),
	ABI_FIELD(drm_crtc_queue_sequence, crtc_id),
	ABI_FIELD(drm_crtc_queue_sequence, flags),
	ABI_FIELD(drm_crtc_queue_sequence, sequence),
	ABI_FIELD(drm_crtc_queue_sequence, user_data),
	ABI_SIZE(drm_mode_modeinfo),
	ABI_FIELD(drm_mode_modeinfo, clock),
	ABI_FIELD(drm_mode_modeinfo, hdisplay),
	ABI_FIELD(drm_mode_modeinfo, hsync_start),
	ABI_FIELD(drm_mode_modeinfo, hsync_end),
	ABI_FIELD(drm_mode_modeinfo, htotal),
	ABI_FIELD(drm_mode_modeinfo, hskew),
	ABI_FIELD(drm_mode_modeinfo, vdisplay),
	ABI_FIELD(drm_mode_modeinfo, vsync_start),
	ABI_FIELD(drm_mode_modeinfo, vsync_end),
	ABI_FIELD(drm_mode_modeinfo, vtotal),
	ABI_FIELD(drm_mode_modeinfo, vscan),
	ABI_FIELD(drm_mode_modeinfo, vrefresh),
	ABI_FIELD(drm_mode_modeinfo, flags),
	ABI_FIELD(drm_mode_modeinfo, type),
	ABI_FIELD(drm_mode_modeinfo, name),
	ABI_SIZE(drm_mode_card_res),
	ABI_FIELD(drm_mode_card_res, fb_id_ptr),
	ABI_FIELD(drm_mode_card_res, crtc_id_ptr),
	ABI_FIELD(drm_mode_card_res, connector_id_ptr),
	ABI_FIELD(drm_mode_card_res, encoder_id_ptr),
	ABI_FIELD(drm_mode_card_res, count_fbs),
	ABI_FIELD(drm_mode_card_res, count_crtcs),
	ABI_FIELD(drm_mode_card_res, count_connectors),
	ABI_FIELD(drm_mode_card_res, count_encoders),
	ABI_FIELD(drm_mode_card_res, min_width),
	ABI_FIELD(drm_mode_card_res, max_width),
	ABI_FIELD(drm_mode_card_res, min_height),
	ABI_FIELD(drm_mode_card_res, max_height),
	ABI_SIZE(drm_mode_crtc),
	ABI_FIELD(drm_mode_crtc, set_connectors_ptr),
	ABI_FIELD(drm_mode_crtc, count_connectors),
	ABI_FIELD(drm_mode_crtc, crtc_id),
	ABI_FIELD(drm_mode_crtc, fb_id),
	ABI_FIELD(drm_mode_crtc, x),
	ABI_FIELD(drm_mode_crtc, y),
	ABI_FIELD(drm_mode_crtc, gamma_size),
	ABI_FIELD(drm_mode_crtc, mode_valid),
	ABI_FIELD(drm_mode_crtc, mode),
	ABI_SIZE(drm_mode_cursor),
	ABI_FIELD(drm_mode_cursor, flags),
	ABI_FIELD(drm_mode_cursor, crtc_id),
	ABI_FIELD(drm_mode_cursor, x),
	ABI_FIELD(drm_mode_cursor, y),
	ABI_FIELD(drm_mode_cursor, width),
	ABI_FIELD(drm_mode_cursor, height),
	ABI_FIELD(drm_mode_cursor, handle),
	ABI_SIZE(drm_mode_cursor2),
	ABI_FIELD(drm_mode_cursor2, flags),
	ABI_FIELD(drm_mode_cursor2, crtc_id),
	ABI_FIELD(drm_mode_cursor2, x),
	ABI_FIELD(drm_mode_cursor2, y),
	ABI_FIELD(drm_mode_cursor2, width),
	ABI_FIELD(drm_mode_cursor2, height),
	ABI_FIELD(drm_mode_cursor2, handle),
	ABI_FIELD(drm_mode_cursor2, hot_x),
	ABI_FIELD(drm_mode_cursor2, hot_y),
	ABI_SIZE(drm_mode_get_encoder),
	ABI_FIELD(drm_mode_get_encoder, encoder_id),
	ABI_FIELD(drm_mode_get_encoder, encoder_type),
	ABI_FIELD(drm_mode_get_encoder, crtc_id),
	ABI_FIELD(drm_mode_get_encoder, possible_crtcs),
	ABI_FIELD(drm_mode_get_encoder, possible_clones),
	ABI_SIZE(drm_mode_get_connector),
	ABI_FIELD(drm_mode_get_connector, encoders_ptr),
	ABI_FIELD(drm_mode_get_connector, modes_ptr),
	ABI_FIELD(drm_mode_get_connector, props_ptr),
	ABI_FIELD(drm_mode_get_connector, prop_values_ptr),
	ABI_FIELD(drm_mode_get_connector, count_modes),
	ABI_FIELD(drm_mode_get_connector, count_props),
	ABI_FIELD(drm_mode_get_connector, count_encoders),
	ABI_FIELD(drm_mode_get_connector, encoder_id),
	ABI_FIELD(drm_mode_get_connector, connector_id),
	ABI_FIELD(drm_mode_get_connector, connector_type),
	ABI_FIELD(drm_mode_get_connector, connector_type_id),
	ABI_FIELD(drm_mode_get_connector, connection),
	ABI_FIELD(drm_mode_get_connector, mm_width),
	ABI_FIELD(drm_mode_get_connector, mm_height),
	ABI_FIELD(drm_mode_get_connector, subpixel),
	ABI_FIELD(drm_mode_get_connector, pad),
	ABI_SIZE(drm_mode_property_enum),
	ABI_FIELD(drm_mode_property_enum, value),
	ABI_FIELD(drm_mode_property_enum, name),
	ABI_SIZE(drm_mode_get_property),
	ABI_FIELD(drm_mode_get_property, values_ptr),
	ABI_FIELD(drm_mode_get_property, enum_blob_ptr),
	ABI_FIELD(drm_mode_get_property, prop_id),
	ABI_FIELD(drm_mode_get_property, flags),
	ABI_FIELD(drm_mode_get_property, name),
	ABI_FIELD(drm_mode_get_property, count_values),
	ABI_FIELD(drm_mode_get_property, count_enum_blobs),
	ABI_SIZE(drm_mode_get_blob),
	ABI_FIELD(drm_mode_get_blob, blob_id),
	ABI_FIELD(drm_mode_get_blob, length),
	ABI_FIELD(drm_mode_get_blob, data),
	ABI_SIZE(drm_mode_crtc_page_flip),
	ABI_FIELD(drm_mode_crtc_page_flip, crtc_id),
	ABI_FIELD(drm_mode_crtc_page_flip, fb_id),
	ABI_FIELD(drm_mode_crtc_page_flip, flags),
	ABI_FIELD(drm_mode_crtc_page_flip, reserved),
	ABI_FIELD(drm_mode_crtc_page_flip, user_data),
	ABI_SIZE(drm_mode_create_dumb),
	ABI_FIELD(drm_mode_create_dumb, height),
	ABI_FIELD(drm_mode_create_dumb, width),
	ABI_FIELD(drm_mode_create_dumb, bpp),
	ABI_FIELD(drm_mode_create_dumb, flags),
	ABI_FIELD(drm_mode_create_dumb, handle),
	ABI_FIELD(drm_mode_create_dumb, pitch),
	ABI_FIELD(drm_mode_create_dumb, size),
	ABI_SIZE(drm_mode_map_dumb),
	ABI_FIELD(drm_mode_map_dumb, handle),
	ABI_FIELD(drm_mode_map_dumb, pad),
	ABI_FIELD(drm_mode_map_dumb, offset),
	ABI_SIZE(drm_mode_destroy_dumb),
	ABI_FIELD(drm_mode_destroy_dumb, handle),
	ABI_SIZE(drm_mode_get_plane_res),
	ABI_FIELD(drm_mode_get_plane_res, plane_id_ptr),
	ABI_FIELD(drm_mode_get_plane_res, count_planes),
	ABI_SIZE(drm_mode_get_plane),
	ABI_FIELD(drm_mode_get_plane, plane_id),
	ABI_FIELD(drm_mode_get_plane, crtc_id),
	ABI_FIELD(drm_mode_get_plane, fb_id),
	ABI_FIELD(drm_mode_get_plane, possible_crtcs),
	ABI_FIELD(drm_mode_get_plane, gamma_size),
	ABI_FIELD(drm_mode_get_plane, count_format_types),
	ABI_FIELD(drm_mode_get_plane, format_type_ptr),
	ABI_SIZE(drm_mode_set_plane),
	ABI_FIELD(drm_mode_set_plane, plane_id),
	ABI_FIELD(drm_mode_set_plane, crtc_id),
	ABI_FIELD(drm_mode_set_plane, fb_id),
	ABI_FIELD(drm_mode_set_plane, flags),
	ABI_FIELD(drm_mode_set_plane, crtc_x),
	ABI_FIELD(drm_mode_set_plane, crtc_y),
	ABI_FIELD(drm_mode_set_plane, crtc_w),
	ABI_FIELD(drm_mode_set_plane, crtc_h),
	ABI_FIELD(drm_mode_set_plane, src_x),
	ABI_FIELD(drm_mode_set_plane, src_y),
	ABI_FIELD(drm_mode_set_plane, src_h),
	ABI_FIELD(drm_mode_set_plane, src_w),
	ABI_SIZE(drm_mode_fb_cmd2),
	ABI_FIELD(drm_mode_fb_cmd2, fb_id),
	ABI_FIELD(drm_mode_fb_cmd2, width),
	ABI_FIELD(drm_mode_fb_cmd2, height),
	ABI_FIELD(drm_mode_fb_cmd2, pixel_format),
	ABI_FIELD(drm_mode_fb_cmd2, flags),
	ABI_FIELD(drm_mode_fb_cmd2, handles),
	ABI_FIELD(drm_mode_fb_cmd2, pitches),
	ABI_FIELD(drm_mode_fb_cmd2, offsets),
	ABI_FIELD(drm_mode_fb_cmd2, modifier),
	ABI_SIZE(drm_mode_obj_get_properties),
	ABI_FIELD(drm_mode_obj_get_properties, props_ptr),
	ABI_FIELD(drm_mode_obj_get_properties, prop_values_ptr),
	ABI_FIELD(drm_mode_obj_get_properties, count_props),
	ABI_FIELD(drm_mode_obj_get_properties, obj_id),
	ABI_FIELD(drm_mode_obj_get_properties, obj_type),
	ABI_SIZE(drm_mode_obj_set_property),
	ABI_FIELD(drm_mode_obj_set_property, value),
	ABI_FIELD(drm_mode_obj_set_property, prop_id),
	ABI_FIELD(drm_mode_obj_set_property, obj_id),
	ABI_FIELD(drm_mode_obj_set_property, obj_type),
	ABI_SIZE(drm_mode_atomic),
	ABI_FIELD(drm_mode_atomic, flags),
	ABI_FIELD(drm_mode_atomic, count_objs),
	ABI_FIELD(drm_mode_atomic, objs_ptr),
	ABI_FIELD(drm_mode_atomic, count_props_ptr),
	ABI_FIELD(drm_mode_atomic, props_ptr),
	ABI_FIELD(drm_mode_atomic, prop_values_ptr),
	ABI_FIELD(drm_mode_atomic, reserved),
	ABI_FIELD(drm_mode_atomic, user_data),
	ABI_SIZE(drm_mode_create_blob),
	ABI_FIELD(drm_mode_create_blob, data),
	ABI_FIELD(drm_mode_create_blob, length),
	ABI_FIELD(drm_mode_create_blob, blob_id),
	ABI_SIZE(drm_mode_destroy_blob),
	ABI_FIELD(drm_mode_destroy_blob, blob_id),
	ABI_SIZE(drm_event),
	ABI_FIELD(drm_event, type),
	ABI_FIELD(drm_event, length),
	ABI_SIZE(drm_event_vblank),
	ABI_FIELD(drm_event_vblank, base),
	ABI_FIELD(drm_event_vblank, user_data),
	ABI_FIELD(drm_event_vblank, tv_sec),
	ABI_FIELD(drm_event_vblank, tv_usec),
	ABI_FIELD(drm_event_vblank, sequence),
	ABI_FIELD(drm_event_vblank, crtc_id),
	ABI_SIZE(drm_event_crtc_sequence),
	ABI_FIELD(drm_event_crtc_sequence, base),
	ABI_FIELD(drm_event_crtc_sequence, user_data),
	ABI_FIELD(drm_event_crtc_sequence, time_ns),
	ABI_FIELD(drm_event_crtc_sequence, sequence),
	ABI_SIZE(sync_file_info),
	ABI_FIELD(sync_file_info, name),
	ABI_FIELD(sync_file_info, status),
	ABI_FIELD(sync_file_info, flags),
	ABI_FIELD(sync_file_info, num_fences),
	ABI_FIELD(sync_file_info, pad),
	ABI_FIELD(sync_file_info, sync_fence_info),
};
static const struct abi_field *kms_fields_get(size_t *n) { *n = ABI_LEN(kms_fields); return kms_fields; }

static const struct abi_ioctl kms_ioctls[] = {
	ABI_IOCTL(DRM_IOCTL_AUTH_MAGIC),
	ABI_IOCTL(DRM_IOCTL_SET_MASTER),
	ABI_IOCTL(DRM_IOCTL_DROP_MASTER),
	ABI_IOCTL(DRM_IOCTL_GEM_CLOSE),
	ABI_IOCTL(DRM_IOCTL_PRIME_HANDLE_TO_FD),
	ABI_IOCTL(DRM_IOCTL_PRIME_FD_TO_HANDLE),
	ABI_IOCTL(DRM_IOCTL_CRTC_GET_SEQUENCE),
	ABI_IOCTL(DRM_IOCTL_CRTC_QUEUE_SEQUENCE),
	ABI_IOCTL(DRM_IOCTL_MODE_GETRESOURCES),
	ABI_IOCTL(DRM_IOCTL_MODE_GETCRTC),
	ABI_IOCTL(DRM_IOCTL_MODE_SETCRTC),
	ABI_IOCTL(DRM_IOCTL_MODE_CURSOR),
	ABI_IOCTL(DRM_IOCTL_MODE_GETENCODER),
	ABI_IOCTL(DRM_IOCTL_MODE_GETCONNECTOR),
	ABI_IOCTL(DRM_IOCTL_MODE_GETPROPERTY),
	ABI_IOCTL(DRM_IOCTL_MODE_GETPROPBLOB),
	ABI_IOCTL(DRM_IOCTL_MODE_RMFB),
	ABI_IOCTL(DRM_IOCTL_MODE_PAGE_FLIP),
	ABI_IOCTL(DRM_IOCTL_MODE_CREATE_DUMB),
	ABI_IOCTL(DRM_IOCTL_MODE_MAP_DUMB),
	ABI_IOCTL(DRM_IOCTL_MODE_DESTROY_DUMB),
	ABI_IOCTL(DRM_IOCTL_MODE_GETPLANERESOURCES),
	ABI_IOCTL(DRM_IOCTL_MODE_GETPLANE),
	ABI_IOCTL(DRM_IOCTL_MODE_SETPLANE),
	ABI_IOCTL(DRM_IOCTL_MODE_ADDFB2),
	ABI_IOCTL(DRM_IOCTL_MODE_OBJ_GETPROPERTIES),
	ABI_IOCTL(DRM_IOCTL_MODE_OBJ_SETPROPERTY),
	ABI_IOCTL(DRM_IOCTL_MODE_CURSOR2),
	ABI_IOCTL(DRM_IOCTL_MODE_ATOMIC),
	ABI_IOCTL(DRM_IOCTL_MODE_CREATEPROPBLOB),
	ABI_IOCTL(DRM_IOCTL_MODE_DESTROYPROPBLOB),
	ABI_IOCTL(SYNC_IOC_FILE_INFO),
};
static const struct abi_ioctl *kms_ioctls_get(size_t *n) { *n = ABI_LEN(kms_ioctls); return kms_ioctls; }
*/
import "C"

import (
	"reflect"

	"github.com/go-scanout/scanout/internal/uapi"
)

func init() {
	var n C.size_t
	addFields(C.kms_fields_get(&n), int(n))
	addIoctls(C.kms_ioctls_get(&n), int(n))
	goTypes["drm_auth"] = reflect.TypeFor[uapi.DRMAuth]()
	goTypes["drm_gem_close"] = reflect.TypeFor[uapi.DRMGemClose]()
	goTypes["drm_prime_handle"] = reflect.TypeFor[uapi.DRMPrimeHandle]()
	goTypes["drm_crtc_get_sequence"] = reflect.TypeFor[uapi.DRMCrtcGetSequence]()
	goTypes["drm_crtc_queue_sequence"] = reflect.TypeFor[uapi.DRMCrtcQueueSequence]()
	goTypes["drm_mode_modeinfo"] = reflect.TypeFor[uapi.DRMModeModeinfo]()
	goTypes["drm_mode_card_res"] = reflect.TypeFor[uapi.DRMModeCardRes]()
	goTypes["drm_mode_crtc"] = reflect.TypeFor[uapi.DRMModeCrtc]()
	goTypes["drm_mode_cursor"] = reflect.TypeFor[uapi.DRMModeCursor]()
	goTypes["drm_mode_cursor2"] = reflect.TypeFor[uapi.DRMModeCursor2]()
	goTypes["drm_mode_get_encoder"] = reflect.TypeFor[uapi.DRMModeGetEncoder]()
	goTypes["drm_mode_get_connector"] = reflect.TypeFor[uapi.DRMModeGetConnector]()
	goTypes["drm_mode_property_enum"] = reflect.TypeFor[uapi.DRMModePropertyEnum]()
	goTypes["drm_mode_get_property"] = reflect.TypeFor[uapi.DRMModeGetProperty]()
	goTypes["drm_mode_get_blob"] = reflect.TypeFor[uapi.DRMModeGetBlob]()
	goTypes["drm_mode_crtc_page_flip"] = reflect.TypeFor[uapi.DRMModeCrtcPageFlip]()
	goTypes["drm_mode_create_dumb"] = reflect.TypeFor[uapi.DRMModeCreateDumb]()
	goTypes["drm_mode_map_dumb"] = reflect.TypeFor[uapi.DRMModeMapDumb]()
	goTypes["drm_mode_destroy_dumb"] = reflect.TypeFor[uapi.DRMModeDestroyDumb]()
	goTypes["drm_mode_get_plane_res"] = reflect.TypeFor[uapi.DRMModeGetPlaneRes]()
	goTypes["drm_mode_get_plane"] = reflect.TypeFor[uapi.DRMModeGetPlane]()
	goTypes["drm_mode_set_plane"] = reflect.TypeFor[uapi.DRMModeSetPlane]()
	goTypes["drm_mode_fb_cmd2"] = reflect.TypeFor[uapi.DRMModeFBCmd2]()
	goTypes["drm_mode_obj_get_properties"] = reflect.TypeFor[uapi.DRMModeObjGetProperties]()
	goTypes["drm_mode_obj_set_property"] = reflect.TypeFor[uapi.DRMModeObjSetProperty]()
	goTypes["drm_mode_atomic"] = reflect.TypeFor[uapi.DRMModeAtomic]()
	goTypes["drm_mode_create_blob"] = reflect.TypeFor[uapi.DRMModeCreateBlob]()
	goTypes["drm_mode_destroy_blob"] = reflect.TypeFor[uapi.DRMModeDestroyBlob]()
	goTypes["drm_event"] = reflect.TypeFor[uapi.DRMEvent]()
	goTypes["drm_event_vblank"] = reflect.TypeFor[uapi.DRMEventVblank]()
	goTypes["drm_event_crtc_sequence"] = reflect.TypeFor[uapi.DRMEventCrtcSequence]()
	goTypes["sync_file_info"] = reflect.TypeFor[uapi.SyncFileInfo]()
}
