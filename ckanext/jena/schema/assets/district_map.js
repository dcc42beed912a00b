/* An offline map: Jena's district outlines (shipped with the portal, OSM/ODbL) are the base
 * layer, no tile server is contacted. Shows a dataset's extent, or lets a data officer draw
 * one into a GeoJSON textarea. Leaflet and Leaflet.draw come from ckanext-spatial's assets. */
this.ckan.module('jena-district-map', function ($) {
  return {
    options: {layers: null, extent: null, editable: false, target: null, attribution: ''},
    initialize: function () {
      if (typeof L === 'undefined') { return; }
      var el = this.el[0];
      var map = L.map(el, {attributionControl: true, zoomSnap: 0.25});
      map.attributionControl.setPrefix(false);
      var outlines = L.geoJSON(this.options.layers, {
        style: {color: '#5a6b7b', weight: 1, fillColor: '#e9eef2', fillOpacity: 1},
        onEachFeature: function (feature, layer) { layer.bindTooltip(feature.properties.name); },
        attribution: '<a href="https://www.openstreetmap.org/copyright">' + this.options.attribution + '</a>'
      }).addTo(map);
      var bounds = outlines.getBounds();
      var extentLayer = L.featureGroup().addTo(map);
      var style = {color: '#c8102e', weight: 2, fillOpacity: 0.25};
      var show = function (geojson) {
        extentLayer.clearLayers();
        if (!geojson) { return; }
        try {
          var data = typeof geojson === 'string' ? JSON.parse(geojson) : geojson;
          L.geoJSON(data, {style: style}).eachLayer(function (l) { extentLayer.addLayer(l); });
        } catch (e) { /* invalid GeoJSON: the form's validation explains it */ }
      };
      var $target = this.options.target ? $(this.options.target) : null;
      show(this.options.extent || ($target && $target.val()));
      if (extentLayer.getLayers().length && !this.options.editable) {
        bounds = extentLayer.getBounds().pad(0.2);
      }
      map.fitBounds(bounds);
      if (this.options.editable && L.Control.Draw && $target) {
        map.addControl(new L.Control.Draw({
          draw: {polyline: false, circle: false, circlemarker: false, marker: true,
                 polygon: {shapeOptions: style}, rectangle: {shapeOptions: style}},
          edit: false
        }));
        map.on('draw:created', function (e) {
          var geometry = e.layer.toGeoJSON().geometry;
          $target.val(JSON.stringify(geometry));
          show(geometry);
        });
        $target.on('change', function () { show($target.val()); });
      }
    }
  };
});
